"""national: a national workspace of many entities and its comparison book, from published tables only."""
