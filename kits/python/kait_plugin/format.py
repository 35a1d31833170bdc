"""`money` and `date`, as the Rust pdk's template filters format them."""

import re
from datetime import date as _date

from .errors import failed

DEFAULT_DATE_FORMAT = "%d/%m/%Y %H:%M"

_NUMERIC = re.compile(r"^-?[0-9]+(\.[0-9]*)?$")


def _decimal_text(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        text = repr(value)  # the shortest text that reads back as the same float
        if "e" in text or "E" in text:
            text = f"{value:.20f}".rstrip("0")
        return text
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        return value.strip()
    return None


def money(value, currency=None) -> str:
    """`money(1234.5)` is "RM 1,234.50", `money(10, "USD")` is "USD 10.00".

    The currency defaults to MYR, shown as "RM"; any other as its code. Amounts are
    rounded half-up on their decimal digits (1.005 gives 1.01), with thousands
    separators. None gives ""; a value that is not a number (nor a numeric string)
    is returned as its text.
    """
    if value is None:
        return ""
    decimal = _decimal_text(value)
    if decimal is None:
        return str(value)
    code = currency.strip() if isinstance(currency, str) and currency.strip() else "MYR"
    symbol = "RM" if code.upper() == "MYR" else code

    negative = decimal.startswith("-")
    unsigned = decimal[1:] if negative else decimal
    whole, _, frac = unsigned.partition(".")
    digits = [int(c) for c in whole + (frac + "00")[:2]]
    if len(frac) > 2 and int(frac[2]) >= 5:
        i = len(digits) - 1
        while i >= 0 and digits[i] == 9:
            digits[i] = 0
            i -= 1
        if i < 0:
            digits.insert(0, 1)
        else:
            digits[i] += 1
    cents = "".join(map(str, digits[-2:]))
    whole = "".join(map(str, digits[:-2])).lstrip("0") or "0"
    grouped = f"{int(whole):,}"
    zero = whole == "0" and cents == "00"
    return f"{'-' if negative and not zero else ''}{symbol} {grouped}.{cents}"


_MONTHS = ["January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def date(value, format: str = DEFAULT_DATE_FORMAT) -> str:
    """`date("2021-03-03T22:58:32+08:00")` is "03/03/2021 22:58": an RFC 3339
    date-time in its own offset (the shop's), with strftime syntax
    (%Y %y %m %d %e %H %I %M %S %p %b %B %a %A %j %z %Z %F %T %R %D %%).

    None gives ""; a value that is not an RFC 3339 date-time is returned as its
    text. An unknown conversion raises a `failed` plugin error.
    """
    if value is None:
        return ""
    m = _RFC3339.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return str(value)
    y, mo, d, hh, mi, ss, _, offset = m.groups()
    try:
        day = _date(int(y), int(mo), int(d))
    except ValueError:
        return str(value)
    if int(hh) > 23 or int(mi) > 59 or int(ss) > 60:
        return str(value)
    utc = offset in ("Z", "z")
    hour12 = int(hh) % 12 or 12
    month = _MONTHS[int(mo) - 1]
    weekday = _DAYS[day.weekday()]
    fields = {
        "Y": y, "y": y[2:], "m": mo, "d": d, "e": f"{int(d):2d}", "H": hh, "M": mi, "S": ss,
        "I": f"{hour12:02d}", "p": "AM" if int(hh) < 12 else "PM",
        "b": month[:3], "h": month[:3], "B": month, "a": weekday[:3], "A": weekday,
        "j": f"{day.timetuple().tm_yday:03d}",
        "z": "+0000" if utc else offset.replace(":", ""), "Z": "UTC" if utc else offset,
        "F": f"{y}-{mo}-{d}", "T": f"{hh}:{mi}:{ss}", "R": f"{hh}:{mi}", "D": f"{mo}/{d}/{y[2:]}",
        "%": "%",
    }

    def convert(match):
        c = match.group(1)
        if c not in fields:
            raise failed(f"date: invalid format {format!r}")
        return fields[c]

    return re.sub(r"%(.?)", convert, format, flags=re.S)
