"""Themes in customer comments, in Arabic and English. Pure.

Method, chosen for transparency and determinism over a statistical topic model:

- Language: a Unicode-script rule. A comment is Arabic when Arabic-script letters are at least
  as many as Latin letters, English when Latin letters are more, ``unknown`` with no letter.
  For a two-language service this is exact and gives the same answer on every run; statistical
  detectors (langdetect and friends) are randomised, misjudge short comments and are not needed
  to tell two scripts apart.
- Arabic normalisation before any counting: diacritics (harakat, shadda, sukun, dagger alef)
  and tatweel removed; alef variants أ إ آ ٱ → ا; alef maqsura ى → ي; taa marbuta ة → ه;
  Arabic-Indic digits ٠–٩ and ۰–۹ → 0–9. Then the definite article (with a leading و ب ك ف or
  the contracted لل) is stripped, a light stem that keeps words readable.
- English: lower case; a keyword matches every word it begins (``wait`` → waiting, waited).
- Stop words of both languages are dropped before n-gram counts.
- Themes: a keyword lexicon per theme in both languages (``LEXICON``). A comment belongs to
  every theme whose keywords it contains, and to ``other`` when none. Top themes per group are
  counted, each with a few example comments (newest first) shown as text; a table of the most
  frequent words and word pairs shows what the lexicon may miss. scikit-learn is not
  installed, and a topic model's clusters would need naming by hand each month anyway.

Example comments are cut to ``EXAMPLE_CHARS`` and long digit runs (IDs, phone numbers) and
e-mail addresses are masked before they reach a page.
"""

from __future__ import annotations

import re

import pandas as pd

# --- language and normalisation --------------------------------------------------------------

_ARABIC_LETTER = re.compile(r"[\u0620-\u063F\u0641-\u064A\u066E-\u06D3\u06D5\u06EE\u06EF\u06FA-\u06FF]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")
_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
_ARABIC_MAP = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
})
_ARTICLE = re.compile(r"^(?:[وبكف]?ال|لل)(?=\w{2,})")
_WORD = re.compile(r"[^\W_]+")


def detect_language(text) -> str:
    """``"ar"``, ``"en"`` or ``"unknown"`` by the Unicode script of the letters (see module doc)."""
    if not isinstance(text, str):
        return "unknown"
    arabic = len(_ARABIC_LETTER.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic == 0 and latin == 0:
        return "unknown"
    return "ar" if arabic >= latin else "en"


def normalise_arabic(text: str) -> str:
    """Arabic text normalised for counting: no diacritics or tatweel, unified alef/yaa/taa
    marbuta, ASCII digits. Latin text passes through unchanged."""
    return _DIACRITICS.sub("", text).translate(_ARABIC_MAP)


def _norm_list(words: str) -> frozenset[str]:
    return frozenset(normalise_arabic(w) for w in words.split())


STOP_WORDS = {
    "en": frozenset("""a about above after again all also am an and any are as at be because been before being
        but by can could did do does doing done for from get got had has have having he her here hers him his
        how i if in into is it its just me more most my no nor not now of off on once only or other our out
        over own same she should so some such than that the their them then there these they this those
        through to too under until up very was we were what when where which while who why will with would
        you your yours""".split()),
    "ar": _norm_list("""في من على الى إلى عن مع هذا هذه ذلك تلك التي الذي الذين هو هي هم انا أنا نحن انت أنت
        كان كانت يكون تم ثم او أو و ف ب ل ما لا لم لن قد كل بعض غير بين عند حتى اذا إذا لكن كما ان أن إن
        جدا جداً فقط ايضا أيضا هناك هنا يا به بها له لها لي منه منها عليه عليها فيه فيها أي اي دون بعد قبل
        خلال لدى عبر حول"""),
}

# Theme lexicon. A keyword matches a whole word (or phrase); with a trailing "*" it matches every
# word it begins (wait* → waiting, waited). Arabic keywords are normalised and matched after the
# article is stripped, so "الموظف" and "موظف" are one word.
LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "waiting": {
        "en": ("wait*", "queue*", "line", "slow*", "delay*", "late", "long time", "hour*", "faster", "on hold"),
        "ar": ("انتظار", "انتظر*", "طابور", "تاخير", "تأخير", "تاخر*", "بطء", "بطيء", "طويل*", "ساعه", "ساعات",
               "اسرع"),
    },
    "staff": {
        "en": ("staff", "employee*", "officer*", "agent*", "polite*", "rude*", "helpful*", "friendly",
               "respect*", "courteous*", "attitude", "professional*"),
        "ar": ("موظف*", "تعامل", "لطيف*", "محترم*", "احترام", "متعاون*", "اسلوب", "وقح*", "مهني*", "خلوق*"),
    },
    "process": {
        "en": ("process*", "procedure*", "document*", "paperwork", "requirement*", "form", "forms", "steps",
               "approval*", "reject*", "complicated", "several times", "same request", "transferred", "how long",
               "call back", "called me back", "call me back", "no update"),
        "ar": ("اجراء*", "مستند*", "وثائق", "اوراق", "متطلبات", "نموذج", "خطوات", "موافقه", "معقد*", "رفض*",
               "اكثر من مره", "نفس الطلب", "تحويلي", "كم تستغرق", "التواصل معي", "دون اي تحديث"),
    },
    "digital": {
        "en": ("website*", "portal*", "online", "app", "apps", "system*", "login", "log in", "password*",
               "error*", "link*", "chat*", "whatsapp", "e-service*", "eservice*", "otp", "sms", "from home",
               "upload*"),
        "ar": ("موقع", "بوابه", "الكتروني*", "تطبيق", "نظام", "دخول", "كلمه المرور", "خطا", "رابط", "محادثه",
               "واتساب", "رساله التحقق", "رساله نصيه", "من بيت", "رفع", "ملفات"),
    },
    "facilities": {
        "en": ("parking", "seat*", "chair*", "clean*", "toilet*", "air condition*", "cold", "hot", "building",
               "sign*", "crowd*", "opening hours"),
        "ar": ("مواقف", "موقف", "مقاعد", "كراسي", "نظيف*", "نظافه", "دوره المياه", "تكييف", "بارد*", "حار*",
               "مبنى", "مزدحم*", "ازدحام", "ساعات عمل", "مكيفات", "مكان"),
    },
    "information": {
        "en": ("information", "inform*", "explain*", "unclear", "clear*", "answer*", "question*", "told",
               "advice", "advise*", "guid*"),
        "ar": ("معلومات", "معلومه", "شرح", "توضيح", "واضح*", "اجابه", "جواب", "سؤال", "ارشاد", "دليل"),
    },
    "appointment": {
        "en": ("appointment*", "booking*", "booked", "book", "slot*", "reschedul*"),
        "ar": ("موعد", "مواعيد", "حجز"),
    },
    "payment": {
        "en": ("payment*", "paid", "pay", "money", "transfer*", "salary", "salaries", "wage*"),
        "ar": ("دفع*", "مدفوعات", "مبلغ", "تحويل", "راتب", "رواتب", "اجور", "دعم"),
    },
    "praise": {
        "en": ("excellent", "great", "good", "well done", "keep up", "thank*", "amazing"),
        "ar": ("ممتاز*", "رائع*", "شكر*", "مميز*", "تقدير", "احترافي*", "جزاكم", "بارك", "جيد*"),
    },
    "improvement": {
        "en": ("not satisfied", "needs improvement", "improve*", "bad", "poor", "average", "unacceptable",
               "disappoint*"),
        "ar": ("غير راض*", "تحسين", "سيئ*", "مقبول*", "للاسف", "غير مقبول"),
    },
    "speed": {
        "en": ("quick*", "fast*", "efficient*", "easy", "easily", "smooth*", "no time"),
        "ar": ("سريع*", "سرعه", "سهل*", "سهوله", "وقت قياسي"),
    },
}
THEMES = (*LEXICON, "other")
EXAMPLE_CHARS = 200

_MASK_DIGITS = re.compile(r"[0-9\u0660-\u0669\u06F0-\u06F9][0-9\u0660-\u0669\u06F0-\u06F9\s\-]{4,}[0-9\u0660-\u0669\u06F0-\u06F9]")
_MASK_EMAIL = re.compile(r"\S+@\S+")


def words(text, lang: str | None = None) -> list[str]:
    """The comment's words, normalised (Arabic) or lower-cased (English), stop words kept."""
    if not isinstance(text, str):
        return []
    lang = lang or detect_language(text)
    if lang == "ar":
        return [_ARTICLE.sub("", w) for w in _WORD.findall(normalise_arabic(text).lower())]
    return _WORD.findall(text.lower())


def content_words(text, lang: str | None = None) -> list[str]:
    """``words`` without stop words, digits or single letters: what n-gram counts use."""
    lang = lang or detect_language(text)
    stops = STOP_WORDS["ar"] | STOP_WORDS["en"]
    return [w for w in words(text, lang) if len(w) > 1 and not w.isdigit() and w not in stops]


def _keyword_pattern(keywords: list[str], letters: str) -> re.Pattern:
    """Whole-word alternatives; a trailing ``*`` lets a keyword match the start of a word."""
    if not keywords:
        return re.compile(r"(?!x)x")
    parts = [re.escape(k.rstrip("*")) + (rf"[{letters}]*" if k.endswith("*") else "") for k in keywords]
    return re.compile(rf"(?<![{letters}])(?:{'|'.join(parts)})(?![{letters}])")


def _compile_lexicon(lexicon: dict) -> dict[str, tuple[re.Pattern, re.Pattern]]:
    compiled = {}
    for theme, kw in lexicon.items():
        en = [k.lower() for k in kw.get("en", ())]
        ar = [" ".join(_ARTICLE.sub("", w) for w in normalise_arabic(k.rstrip("*")).split()) + ("*" if k.endswith("*") else "")
              for k in kw.get("ar", ())]
        compiled[theme] = (_keyword_pattern(en, "a-z\\-"), _keyword_pattern(ar, "\\w"))
    return compiled


_COMPILED = _compile_lexicon(LEXICON)


def themes_of(text, lexicon: dict | None = None) -> list[str]:
    """The themes a comment mentions, in lexicon order; ``["other"]`` when none."""
    if not isinstance(text, str) or not text.strip():
        return []
    compiled = _COMPILED if lexicon is None else _compile_lexicon(lexicon)
    lang = detect_language(text)
    if lang == "ar":
        target = " ".join(words(text, "ar"))
        found = [t for t, (_, ar) in compiled.items() if ar.search(target)]
        # Arabic comments often carry English product words (WhatsApp, app): check those too.
        latin = text.lower()
        found += [t for t, (en, _) in compiled.items() if t not in found and en.search(latin)]
        found = [t for t in compiled if t in found]
    else:
        target = text.lower()
        found = [t for t, (en, _) in compiled.items() if en.search(target)]
    return found or ["other"]


def safe_excerpt(text: str, limit: int = EXAMPLE_CHARS) -> str:
    """A comment for display: digit runs (IDs, phones) and e-mails masked, cut at ``limit``.

    Still plain text: escaping is the display's job (``Report.table``)."""
    masked = _MASK_EMAIL.sub("•••", _MASK_DIGITS.sub("•••", str(text)))
    masked = " ".join(masked.split())
    return masked if len(masked) <= limit else masked[: limit - 1].rstrip() + "…"


# --- comments from surveys and feedback --------------------------------------------------------

def _each(func, values) -> list:
    """``[func(v) for v in values]``, calling ``func`` once per distinct value: comments often
    repeat word for word, and every function applied here depends on the text alone."""
    done = {}
    out = []
    for v in values:
        key = v if isinstance(v, str) else None
        if key is None:
            out.append(func(v))
            continue
        if key not in done:
            done[key] = func(v)
        out.append(done[key])
    return out


COMMENT_COLUMNS = ["source_id", "kind", "centre_id", "channel_id", "at", "text", "lang"]


def comments(surveys: pd.DataFrame, feedback: pd.DataFrame, top_box=(4, 5)) -> pd.DataFrame:
    """Every non-empty comment of the period in one frame, newest first.

    ``kind`` is the feedback kind (complaint, suggestion, compliment, inquiry) or, for survey
    comments, ``survey_satisfied`` / ``survey_dissatisfied`` by the response's CSAT.
    """
    s = surveys.dropna(subset=["comment"])
    s = s[s["comment"].astype(str).str.strip().ne("")]
    sat = s["csat"].isin(list(top_box)).fillna(False).astype(bool)
    part_s = pd.DataFrame({
        "source_id": s["response_id"].astype(object),
        "kind": ["survey_satisfied" if v else "survey_dissatisfied" for v in sat],
        "centre_id": s["centre_id"].astype(object), "channel_id": s["channel_id"].astype(object),
        "at": s["submitted_at"], "text": s["comment"].astype(object),
    })
    f = feedback.dropna(subset=["text"])
    f = f[f["text"].astype(str).str.strip().ne("")]
    part_f = pd.DataFrame({
        "source_id": f["feedback_id"].astype(object), "kind": f["kind"].astype(object),
        "centre_id": f["centre_id"].astype(object), "channel_id": f["channel_id"].astype(object),
        "at": f["received_at"], "text": f["text"].astype(object),
    })
    parts = [p for p in (part_s, part_f) if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COMMENT_COLUMNS[:-1])
    out["lang"] = _each(detect_language, out["text"])
    out = out.sort_values(["at", "source_id"], ascending=[False, True], kind="mergesort")
    return out[COMMENT_COLUMNS].reset_index(drop=True)


def tag(comments_frame: pd.DataFrame, lexicon: dict | None = None) -> pd.DataFrame:
    """One row per comment and theme it mentions (a comment may carry several themes)."""
    tagged = comments_frame.assign(theme=_each(lambda x: themes_of(x, lexicon), comments_frame["text"]))
    return tagged.explode("theme").dropna(subset=["theme"]).reset_index(drop=True)


def top_themes(comments_frame: pd.DataFrame, by: list[str], n: int = 3, lexicon: dict | None = None) -> pd.DataFrame:
    """The ``n`` most mentioned themes per group ``by``: ``by, theme, comments, share``.

    ``share`` = comments mentioning the theme ÷ comments in the group. Ties go to the theme
    listed first in the lexicon, so the order is stable.
    """
    cols = [*by, "theme", "comments", "share"]
    if comments_frame.empty:
        return pd.DataFrame(columns=cols)
    tagged = tag(comments_frame, lexicon)
    totals = comments_frame.groupby(by, sort=True).size().rename("_total")
    counts = tagged.groupby([*by, "theme"], sort=True).size().rename("comments").reset_index()
    counts = counts.merge(totals, left_on=by, right_index=True)
    counts["share"] = counts["comments"] / counts["_total"]
    order = {t: i for i, t in enumerate(THEMES)}
    counts["_order"] = counts["theme"].map(order)
    counts = counts.sort_values([*by, "comments", "_order"], ascending=[True] * len(by) + [False, True],
                                kind="mergesort")
    out = counts.groupby(by, sort=True).head(n)
    return out[cols].reset_index(drop=True)


def examples(comments_frame: pd.DataFrame, top: pd.DataFrame, by: list[str], per_theme: int = 2,
             lexicon: dict | None = None) -> pd.DataFrame:
    """Up to ``per_theme`` example comments (newest first) for each row of ``top_themes``.

    Columns: ``by, theme, lang, text`` with text through ``safe_excerpt``.
    """
    cols = [*by, "theme", "lang", "text"]
    if comments_frame.empty or top.empty:
        return pd.DataFrame(columns=cols)
    tagged = tag(comments_frame, lexicon)
    keep = tagged.merge(top[[*by, "theme"]], on=[*by, "theme"], how="inner")
    keep = keep.sort_values([*by, "theme", "at", "source_id"], ascending=[True] * (len(by) + 1) + [False, True],
                            kind="mergesort")
    order = {t: i for i, t in enumerate(THEMES)}
    # the same words twice teach nothing: one example per distinct (normalised) comment
    keep = keep.assign(_same=_each(lambda x: " ".join(words(x)), keep["text"]))
    keep = keep.drop_duplicates([*by, "theme", "_same"], keep="first")
    keep = keep.groupby([*by, "theme"], sort=False).head(per_theme)
    rank = top.reset_index(drop=True).reset_index().rename(columns={"index": "_rank"})[[*by, "theme", "_rank"]]
    keep = keep.merge(rank, on=[*by, "theme"]).assign(_o=lambda d: d["theme"].map(order))
    keep = keep.sort_values(["_rank", "at", "source_id"], ascending=[True, False, True], kind="mergesort")
    keep["text"] = _each(safe_excerpt, keep["text"])
    return keep[cols].reset_index(drop=True)


def top_terms(comments_frame: pd.DataFrame, by: list[str], n: int = 5) -> pd.DataFrame:
    """The ``n`` most frequent words and word pairs per group after stop words:
    ``by, term, mentions`` (comments containing the term), most frequent first, ties by term."""
    cols = [*by, "term", "mentions"]
    rows = []
    grams_of = {}   # comments often repeat word for word: each distinct one is read once
    for record in comments_frame.to_dict("records"):
        key = (record["text"], record["lang"])
        if key not in grams_of:
            w = content_words(*key)
            grams_of[key] = sorted(set(w) | {f"{a} {b}" for a, b in zip(w, w[1:], strict=False)})
        rows.extend({**{c: record[c] for c in by}, "term": g} for g in grams_of[key])
    if not rows:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(rows)
    counts = frame.groupby([*by, "term"], sort=True).size().rename("mentions").reset_index()
    counts = counts.sort_values([*by, "mentions", "term"], ascending=[True] * len(by) + [False, True],
                                kind="mergesort")
    return counts.groupby(by, sort=True).head(n)[cols].reset_index(drop=True)
