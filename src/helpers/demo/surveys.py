"""Survey responses: CSAT, NPS and CES about tickets and from the walk-in kiosks, their free-text
comments (Arabic or English, with real-world spelling noise), and the surveys table."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import numpy as np
import pandas as pd

from ..base.periods import parse
from ..data.rawcsv import fmt_datetime, fmt_int
from . import draws
from .case import (
    APPEAL,
    BUSINESS,
    CENTRES,
    CHANNELS,
    COMPLETED,
    ESERV,
    PHONE,
    REFERRED,
    SERVICES,
    TRANSFERRED,
    WALK,
)
from .initiatives import COURTESY_CSAT, DIP, DIP_CENTRE, ESERV_CES, ESERV_CSAT, on
from .tables import ids, take
from .working_days import Run, months_since_origin

# Per channel, in CHANNELS order.
_RESPONSE_RATE = np.array([0.22, 0.16, 0.28, 0.26, 0.25, 0.15, 0.19])
_CSAT_CHANNEL = np.array([0.0, -0.015, 0.02, 0.015, 0.02, -0.03, -0.02])
_CSAT_CENTRE = np.array([0.005, -0.015, 0.0])

# Per service, in SERVICES order.
SVC_CSAT = np.array([-0.015, 0.0, -0.035, 0.02, 0.01, -0.005, 0.02, -0.14])

CSAT_BASE = 0.84
CSAT_TREND_PER_MONTH = 0.0012
CSAT_SKILL = 0.035        # top-box probability per SD of effective skill

_NPS_GIVEN = np.array([  # rows: csat 1..5, columns: nps 0..10
    [.45, .25, .15, .10, .05, 0, 0, 0, 0, 0, 0],
    [.10, .10, .20, .25, .20, .10, .05, 0, 0, 0, 0],
    [0, 0, 0, .05, .10, .25, .30, .20, .10, 0, 0],
    [0, 0, 0, 0, 0, 0, .08, .25, .37, .20, .10],
    [0, 0, 0, 0, 0, 0, 0, 0, .08, .30, .62],
])
_CES_GIVEN = np.array([  # rows: csat 1..5, columns: ces 1..7
    [.60, .30, .10, 0, 0, 0, 0],
    [.25, .35, .30, .10, 0, 0, 0],
    [0, .10, .30, .35, .25, 0, 0],
    [0, 0, 0, .12, .38, .35, .15],
    [0, 0, 0, 0, .12, .35, .53],
])
_COMMENT_P = np.array([0.6, 0.6, 0.45, 0.22, 0.3])


def _draw_from(rng, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    cdf = np.cumsum(table, axis=1)[row]
    return (rng.random(row.size)[:, None] > cdf[:, :-1]).sum(axis=1)


def _top_box_probability(run: Run, centre, channel, service, wait, outcome, fcr, eff, day, months) -> np.ndarray:
    """P(CSAT 4–5): a linear-probability model, so every injected effect is in percentage points."""
    staffed = channel != ESERV
    t = months_since_origin(day)
    threshold = run.thresholds[channel]
    with np.errstate(invalid="ignore", divide="ignore"):
        wait_term = np.where(staffed & ~np.isnan(wait),
                             -0.05 * np.clip(np.log(np.maximum(wait, 1) / threshold), -0.4, 2.5), 0.0)
    contact = np.select(
        [outcome == TRANSFERRED, outcome == REFERRED, fcr == 1, fcr == 0], [-0.08, -0.12, 0.02, -0.10], 0.0)
    dip = (centre == DIP_CENTRE) & np.isin(months, DIP["months"])
    p = (CSAT_BASE + _CSAT_CHANNEL[channel] + _CSAT_CENTRE[centre] + SVC_CSAT[service] + wait_term + contact
         + CSAT_SKILL * eff + CSAT_TREND_PER_MONTH * t
         + COURTESY_CSAT * (staffed & on("INI-05", day))
         + ESERV_CSAT * (~staffed & on("INI-04", day))
         + DIP["csat_pp"] / 100 * dip)
    return np.clip(p, 0.02, 0.99)


def _scores(rng, p_top: np.ndarray, service, channel, day) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSAT 1–5, NPS 0–10 and CES 1–7 (-1 = unanswered) consistent with the top-box probability."""
    n = p_top.size
    top = rng.random(n) < p_top
    u = rng.random(n)
    q5 = np.clip(0.55 + 1.2 * (p_top - 0.85), 0.2, 0.9)
    p3 = np.clip(0.5 + 1.5 * (p_top - 0.8), 0.2, 0.75)
    low = np.where(u < p3, 3, np.where(u < p3 + (1 - p3) * 0.55, 1, 2))
    csat = np.where(top, np.where(rng.random(n) < q5, 5, 4), low)
    nps = _draw_from(rng, _NPS_GIVEN, csat - 1)
    ces = _draw_from(rng, _CES_GIVEN, csat - 1) + 1
    hard = np.isin(service, (APPEAL, BUSINESS)) & (rng.random(n) < 0.35)
    easier = (channel == ESERV) & on("INI-04", day) & (rng.random(n) < ESERV_CES)
    ces = np.clip(ces - hard + easier, 1, 7)
    nps = np.where(rng.random(n) < 0.12, -1, nps)
    ces = np.where(rng.random(n) < 0.18, -1, ces)
    return csat, nps, ces


def ticket_surveys(run: Run, month: str, tk: dict) -> tuple[dict, dict]:
    """Responses about ``month``'s tickets: (those submitted in the month, those spilling into the next)."""
    rng = draws.rng(run.seed, month, "surveys")
    channel, outcome = tk["channel"], tk["outcome"]
    eligible = np.select([outcome == COMPLETED, outcome == REFERRED, outcome == TRANSFERRED], [1.0, 0.6, 0.4], 0.0)
    answered = rng.random(channel.size) < _RESPONSE_RATE[channel] * eligible
    sub = take(tk, np.flatnonzero(answered))
    n = sub["channel"].size
    centre, channel, service, day = sub["centre"], sub["channel"], sub["service"], sub["day"]
    p_top = _top_box_probability(run, centre, channel, service, sub["wait"], sub["outcome"], sub["fcr"], sub["eff"],
                                 day, np.full(n, month))
    csat, nps, ces = _scores(rng, p_top, service, channel, day)
    delay = np.where(rng.random(n) < 0.85, draws.lognormal(rng, 360.0, 1.0, n),
                     draws.lognormal(rng, 20 * 3600.0, 0.8, n))
    submitted = sub["ended"] + np.minimum(np.round(delay), 4 * 86400).astype(np.int64)
    comment = _comments(run, draws.rng(run.seed, month, "comments"), csat, centre, channel, service,
                        sub["wait"], sub["fcr"], sub["outcome"], month)
    rows = {"ticket_id": sub["ticket_id"], "centre": centre, "channel": channel, "service": service,
            "employee": sub["employee"], "submitted": submitted, "csat": csat, "nps": nps, "ces": ces,
            "comment": comment}
    next_start = parse(_next_month(month)).start_ts.value // 10**9
    spills = submitted >= next_start
    return take(rows, np.flatnonzero(~spills)), take(rows, np.flatnonzero(spills))


def _next_month(month: str) -> str:
    return f"{parse(month).last + timedelta(days=1):%Y-%m}"


def kiosk_surveys(run: Run, month: str, tk: dict) -> dict:
    """Responses left on the walk-in centres' feedback kiosks: no ticket, service or employee."""
    rng = draws.rng(run.seed, month, "kiosk")
    cal = run.calendar(month)
    done = tk["centre"][(tk["channel"] == WALK) & (tk["outcome"] == COMPLETED)]
    per_centre = [int(rng.poisson(0.012 * (done == c).sum())) for c in (0, 1)]
    centre = np.repeat([0, 1], per_centre)
    n = centre.size
    d = rng.integers(0, cal.days.size, n)
    o, c = cal.hours["walk_in"][0][d], cal.hours["walk_in"][1][d]
    submitted = (cal.days.astype("datetime64[s]").astype(np.int64)[d]
                 + (o * 60 + rng.random(n) * (c - o) * 60).astype(np.int64))
    day = cal.days[d]
    channel = np.full(n, WALK)
    service = np.full(n, SERVICES.index("general_enquiry"))
    p_top = _top_box_probability(run, centre, channel, service, np.full(n, np.nan), np.full(n, COMPLETED),
                                 np.full(n, -1), np.zeros(n), day, np.full(n, month))
    csat, nps, ces = _scores(rng, p_top, service, channel, day)
    comment = _comments(run, rng, csat, centre, channel, np.full(n, -1), np.full(n, np.nan), np.full(n, -1),
                        np.full(n, COMPLETED), month)
    return {"ticket_id": np.full(n, ""), "centre": centre, "channel": channel, "service": np.full(n, -1),
            "employee": np.full(n, ""), "submitted": submitted, "csat": csat, "nps": nps, "ces": ces,
            "comment": comment}


def survey_rows(month: str, parts: list[dict]) -> pd.DataFrame:
    """The contract's surveys table: carried-over, own and kiosk responses in submission order."""
    rows = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    rows = take(rows, np.argsort(rows["submitted"], kind="stable"))
    service = rows["service"]
    return pd.DataFrame({
        "response_id": ids("S", month, service.size, 6),
        "ticket_id": rows["ticket_id"].astype(str),
        "centre_id": np.array(CENTRES)[rows["centre"]],
        "channel_id": np.array(CHANNELS)[rows["channel"]],
        "service_id": np.where(service < 0, "", np.array(SERVICES)[np.maximum(service, 0)]),
        "employee_id": rows["employee"].astype(str),
        "submitted_at": fmt_datetime(rows["submitted"]),
        "csat": fmt_int(rows["csat"]),
        "nps": fmt_int(rows["nps"]),
        "ces": fmt_int(rows["ces"]),
        "comment": rows["comment"].astype(str),
    }, dtype=object)


# Comment templates by (language, topic). {m}: the wait in minutes; {channel}: the channel's name.
_TEMPLATES = {
    ("ar", "staff"): ["الموظف كان متعاوناً جداً وأنجز معاملتي بسرعة، شكراً له",
                      "تعامل راقٍ وابتسامة دائمة من الموظفة، بارك الله فيكم",
                      "أشكر الموظف على سعة صدره وشرحه الواضح للإجراءات",
                      "خدمة ممتازة واحترافية عالية، جزاكم الله خيراً",
                      "الموظفة قدمت لي كل المعلومات التي أحتاجها دون أي تعقيد"],
    ("ar", "speed"): ["خدمة سريعة ومنظمة، الانتظار لم يتجاوز {m}",
                      "أنجزت معاملتي في وقت قياسي، شكراً لكم",
                      "الإجراءات كانت سهلة وواضحة"],
    ("ar", "general_pos"): ["شكراً على الخدمة المميزة", "ممتاز", "تجربة رائعة، أتمنى أن تستمروا على هذا المستوى",
                            "كل الشكر والتقدير لفريق العمل", "خدمة ممتازة"],
    ("ar", "digital_pos"): ["الخدمة عبر {channel} سهلة وسريعة",
                            "أنجزت الطلب من البيت دون الحاجة لزيارة المركز",
                            "ما احتجت أروح المركز، كل شيء تم عن بعد"],
    ("ar", "portal_pos"): ["البوابة أصبحت أسهل بكثير من قبل", "رفع المستندات من الهاتف سهل جداً",
                           "قدمت الطلب إلكترونياً في أقل من ١٠ دقائق"],
    ("ar", "neutral"): ["الخدمة مقبولة لكن يمكن أن تكون أسرع", "لا بأس، لكن المعلومات لم تكن واضحة تماماً",
                        "جيدة بشكل عام"],
    ("ar", "wait"): ["انتظرت {m} حتى جاء دوري، الانتظار طويل جداً",
                     "عدد الموظفين قليل والانتظار تجاوز {m}",
                     "وقت الانتظار غير مقبول، يجب زيادة عدد الموظفين على الكاونترات"],
    ("ar", "wait_phone"): ["انتظرت على الخط فترة طويلة قبل أن يرد أحد", "الاتصال يتحول إلى الانتظار كل مرة"],
    ("ar", "process"): ["طلبوا مني مستندات إضافية ولم تنجز معاملتي", "اضطررت للتواصل أكثر من مرة لنفس الطلب",
                        "تم تحويلي من موظف لآخر دون حل للمشكلة", "الإجراءات معقدة وتحتاج إلى تبسيط"],
    ("ar", "staff_neg"): ["الموظف لم يكن ملماً بالإجراءات", "أسلوب التعامل غير لائق ويحتاج إلى تحسين"],
    ("ar", "digital"): ["الموقع بطيء والنظام يتعطل عند رفع المستندات",
                        "لم أستطع إكمال الطلب إلكترونياً بسبب خطأ في النظام",
                        "رسالة التحقق لم تصل إلى هاتفي"],
    ("ar", "facilities"): ["المكيفات لا تعمل والجو حار جداً داخل المركز", "المقاعد غير كافية والمكان مزدحم"],
    ("ar", "general_neg"): ["الخدمة تحتاج إلى تحسين", "غير راضٍ عن الخدمة", "تجربة سيئة للأسف"],
    ("en", "staff"): ["The employee was very helpful and finished my request quickly. Thank you!",
                      "Very polite and professional staff.", "Thanks to the officer who explained every step clearly.",
                      "Excellent service, well done to the team."],
    ("en", "speed"): ["Quick and well organised, I only waited {m}.", "Smooth and easy process.",
                      "Done in no time, thanks."],
    ("en", "general_pos"): ["Great service, thank you.", "Excellent", "Keep up the good work!", "Very good"],
    ("en", "digital_pos"): ["Using {channel} was easy and fast.",
                            "Did everything from home without visiting the centre, very convenient.",
                            "No need to go to the centre any more."],
    ("en", "portal_pos"): ["The portal is much easier now.", "Uploading documents from my phone was simple.",
                           "Applied online in under 10 minutes."],
    ("en", "neutral"): ["OK but could be faster.", "Fine, but the information was not very clear.", "Average."],
    ("en", "wait"): ["Waited {m} before my number was called. Far too long.",
                     "Too few counters open, I waited {m}.", "Waiting time is unacceptable."],
    ("en", "wait_phone"): ["I was on hold for a long time before anyone answered.", "Always put on hold."],
    ("en", "process"): ["They asked for more documents and my request is still not done.",
                        "I had to contact you several times for the same request.",
                        "I was transferred between staff and nothing was solved.", "The procedure is too complicated."],
    ("en", "staff_neg"): ["The employee did not know the procedure.", "Rude treatment, needs improvement."],
    ("en", "digital"): ["The website is slow and crashes when uploading documents.",
                        "Could not finish the application online because of a system error.",
                        "The OTP never arrived."],
    ("en", "facilities"): ["The air conditioning was not working and it was very hot inside.",
                           "Not enough seats and the hall was crowded."],
    ("en", "general_neg"): ["Service needs improvement.", "Not satisfied.", "Bad experience unfortunately."],
}
_GREETING = {"ar": ("السلام عليكم، ", "مساء الخير، ", "صباح الخير، "), "en": ("Hi, ", "Hello, ", "Good morning, ")}
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
_DIACRITICS = ("\u064e", "\u064f", "\u0650", "\u0651", "\u064e", "\u0652")
_NON_JOINING = set("اأإآدذرزوؤءة ")


def _minutes_phrase(minutes: int, lang: str, indic: bool) -> str:
    if lang == "en":
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    number = str(minutes).translate(_INDIC) if indic else str(minutes)
    if minutes == 1:
        return "دقيقة واحدة"
    if minutes == 2:
        return "دقيقتين"
    return f"{number} دقائق" if minutes <= 10 else f"{number} دقيقة"


def _vary_arabic(text: str, u: np.ndarray) -> str:
    """Spelling variants real comments carry: bare alef, final haa for taa marbuta, alef maqsura for
    final yaa, tatweel and diacritics (normalisation must undo them)."""
    if u[0] < 0.15:
        text = text.translate(_ALEF)
    if u[1] < 0.12:
        text = re.sub(r"ة\b", "ه", text)
    if u[2] < 0.10:
        text = re.sub(r"ي\b", "ى", text)
    words = text.split(" ")
    if u[3] < 0.10:
        k = int(u[6] * len(words))
        w = words[k]
        if len(w) >= 4 and w[1] not in _NON_JOINING:
            words[k] = w[:2] + "ـ" * (1 + int(u[7] * 4)) + w[2:]
    if u[4] < 0.10:
        k = int(u[8] * len(words))
        words[k] = "".join(ch + _DIACRITICS[(i + int(u[9] * 6)) % 6] if i % 2 == 0 and "\u0621" <= ch <= "\u064a"
                           else ch for i, ch in enumerate(words[k]))
    return " ".join(words)


def _comments(run: Run, rng, csat, centre, channel, service, wait, fcr, outcome, month) -> np.ndarray:
    """Free-text comments ('' for none), Arabic or English, tied to the score and to what happened
    (a long wait, a transfer, the dip's broken air conditioning), with real-world spelling noise."""
    n = csat.size
    has = rng.random(n) < _COMMENT_P[csat - 1]
    draws = rng.random((n, 32))  # a fixed number per response keeps the stream aligned
    out = np.full(n, "", dtype=object)
    dip = centre == DIP_CENTRE if month in DIP["months"] else np.zeros(n, dtype=bool)
    for i in np.flatnonzero(has):
        u = draws[i]
        ch = int(channel[i])
        lang = "ar" if u[0] < (0.7 if ch in (WALK, PHONE) else 0.6) else "en"
        waited = not np.isnan(wait[i])
        if csat[i] >= 4:
            if ch == ESERV:
                topic = ("portal_pos", "digital_pos", "general_pos")[int(u[1] * 3)]
            elif ch != WALK and u[1] < 0.1:
                topic = "digital_pos"
            else:
                topic = "staff" if u[1] < 0.5 else ("speed" if u[1] < 0.75 and waited else "general_pos")
        elif csat[i] == 3 and u[1] < 0.55:
            topic = "neutral"
        elif dip[i] and u[2] < 0.5:
            topic = "facilities"
        elif waited and wait[i] > 2 * run.thresholds[ch] and u[2] < 0.65:
            topic = "wait" if ch == WALK else ("wait_phone" if ch == PHONE else "general_neg")
        elif fcr[i] == 0 or outcome[i] in (TRANSFERRED, REFERRED):
            topic = "process" if u[2] < 0.7 else "general_neg"
        elif ch == ESERV:
            topic = "digital" if u[2] < 0.7 else "process"
        else:
            topic = ("staff_neg", "process", "general_neg", "facilities" if ch == WALK else "general_neg")[int(u[2] * 4)]
        options = _TEMPLATES[(lang, topic)]
        text = options[int(u[3] * len(options))]
        minutes = int(max(1, math.ceil(wait[i] / 60))) if waited else 1
        text = text.format(m=_minutes_phrase(minutes, lang, u[4] < 0.5),
                           channel=run.names[("channels", CHANNELS[ch], lang)])
        if u[5] < 0.004:  # the occasional long letter
            pool = [t for (lg, tp), ts in _TEMPLATES.items() if lg == lang and tp == topic for t in ts if "{" not in t]
            extra = [pool[int(x * len(pool))] for x in draws[i, 18:24]] if pool else []
            text = " ".join([text] + extra * 4)[:1990]
        if lang == "ar":
            text = _vary_arabic(text, u[8:18])
            if u[24] < 0.03:
                text += " thank you" if csat[i] >= 4 else " please improve"
        else:
            if u[24] < 0.08:
                text = text.lower().rstrip(".!")
            if u[25] < 0.03 and csat[i] >= 4:
                text += " شكراً"
        if u[26] < 0.08:
            text = _GREETING[lang][int(u[27] * 3)] + text
        if csat[i] >= 4 and u[28] < 0.05:
            text += " 👍"
        elif csat[i] >= 4 and u[28] < 0.12:
            text += " " + ("١٠/١٠" if lang == "ar" and u[29] < 0.5 else "10/10")
        out[i] = text
    return out
