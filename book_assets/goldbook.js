// Gold Book: right-to-left Arabic pages.
// Sphinx gives the whole book one language, so each Arabic page (generated page or executed
// notebook) carries <meta name="page-dir" content="rtl"> and <meta name="language" content="ar">.
// This runs in <head>, before the body is drawn, so a page never flashes left-to-right.
(function () {
  var dir = document.querySelector('meta[name="page-dir"]');
  var lang = document.querySelector('meta[name="language"]');
  if (dir && dir.getAttribute("content") === "rtl") {
    document.documentElement.setAttribute("dir", "rtl");
    document.documentElement.setAttribute("lang", (lang && lang.getAttribute("content")) || "ar");
  }
})();
