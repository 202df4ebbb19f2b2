"""Calendar and holiday inputs computed from the date index: known in advance by construction,
so they can describe the forecast steps as well as the history.

Calendar features are encoded as the sine and cosine of their phase, so that 23:00 sits next to
00:00 and December next to January; holidays come from the `holidays` package (imported only
when asked for: it is slow to import and the CLI must start quickly).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecaster.errors import ConfigError

CALENDAR_FEATURES: tuple[str, ...] = ("hour", "day_of_week", "day_of_month", "week_of_year",
                                      "month", "day_of_year")

HOLIDAY_COLUMNS: tuple[str, ...] = ("holiday", "holiday_eve", "holiday_after")

# the local time zone of the regions we ship data for (vic_elec, pedestrian: Victoria; EPF:
# France and Belgium; stocks: New York); a region not listed keeps the index's own zone
_REGION_ZONES = {
    "AU": "Australia/Sydney",
    "AU-ACT": "Australia/Sydney",
    "AU-NSW": "Australia/Sydney",
    "AU-NT": "Australia/Darwin",
    "AU-QLD": "Australia/Brisbane",
    "AU-SA": "Australia/Adelaide",
    "AU-TAS": "Australia/Hobart",
    "AU-VIC": "Australia/Melbourne",
    "AU-WA": "Australia/Perth",
    "BE": "Europe/Brussels",
    "FR": "Europe/Paris",
    "US": "America/New_York",
}

_HOLIDAY_FORM = ("give a country code, optionally with a subdivision after '-', "
                 "as in AU, AU-VIC, FR, BE or US-NY")


def auto_calendar(frequency: str | None) -> tuple[str, ...]:
    """The calendar features worth learning at this frequency: below a day, hour, day of week
    and day of year; daily or business days, day of week and day of year; weekly, week of
    year; a month or longer, or an unknown frequency, none (a monthly model already sees the
    season in its lookback, and one step a month gives too few rows per phase)."""
    step = _typical_step(frequency)
    if step is None or step >= pd.Timedelta(days=28):
        return ()
    if step < pd.Timedelta(days=1):
        return ("hour", "day_of_week", "day_of_year")
    if step < pd.Timedelta(days=6):  # daily, business days (1.4 days on average), 2D...
        return ("day_of_week", "day_of_year")
    return ("week_of_year",)


def _typical_step(frequency: str | None) -> pd.Timedelta | None:
    """The average gap of `frequency` over a hundred steps (business days 1.4 days, weekly 7,
    monthly about 30), or None for no frequency or one pandas cannot read."""
    if frequency is None:
        return None
    try:
        with warnings.catch_warnings():  # older aliases ("M", "H") still read, with a warning
            warnings.simplefilter("ignore", category=FutureWarning)
            warnings.simplefilter("ignore", category=DeprecationWarning)
            offset = pd.tseries.frequencies.to_offset(frequency)
    except ValueError:  # not a pandas frequency string: treated like no frequency
        return None
    start = pd.Timestamp("2001-01-01")
    return ((start + 100 * offset) - start) / 100


def check_calendar(spec: str | Sequence[str] | None, frequency: str | None) -> tuple[str, ...]:
    """The calendar features asked for: "auto" (or None) chooses by frequency, "none" asks for
    none, "hour,month" or a list names them; an unknown or repeated name is a ConfigError."""
    if spec is None:
        return auto_calendar(frequency)
    if isinstance(spec, str):
        text = spec.strip().lower()
        if text == "auto":
            return auto_calendar(frequency)
        if text == "none":
            return ()
        names = [part.strip() for part in text.split(",")]
    else:
        names = [str(part).strip().lower() for part in spec]
    if not names or any(name == "" for name in names):
        raise ConfigError(
            f"calendar {spec!r} has an empty name; give 'auto', 'none' or names separated by "
            f"commas from: {', '.join(CALENDAR_FEATURES)}")
    for name in names:
        if name not in CALENDAR_FEATURES:
            raise ConfigError(
                f"calendar feature {name!r} is unknown{_did_you_mean(name, CALENDAR_FEATURES)}; "
                f"give 'auto', 'none' or names separated by commas from: "
                f"{', '.join(CALENDAR_FEATURES)}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(
            f"calendar {spec!r} names {', '.join(repeated)} more than once; give each "
            f"feature once")
    return tuple(names)


def calendar_matrix(dates: pd.DatetimeIndex,
                    features: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """(len(dates), 2 * len(features)) float64: each feature's phase in [0, 1) as its sine
    and cosine, in the index's own time zone (local hours for a tz-aware index). The hour
    counts minutes as a fraction, so half-hourly steps differ."""
    dates = pd.DatetimeIndex(dates)
    columns: list[np.ndarray] = []
    names: list[str] = []
    for feature in features:
        phase = _phase(dates, feature)
        angle = 2.0 * np.pi * phase
        columns += [np.sin(angle), np.cos(angle)]
        names += [f"{feature}_sin", f"{feature}_cos"]
    if not columns:
        return np.empty((len(dates), 0), dtype=np.float64), names
    return np.column_stack(columns).astype(np.float64), names


def _phase(dates: pd.DatetimeIndex, feature: str) -> np.ndarray:
    """Where each date sits in the feature's cycle, as a fraction in [0, 1)."""
    if feature == "hour":
        return (dates.hour.to_numpy() + dates.minute.to_numpy() / 60.0) / 24.0
    if feature == "day_of_week":
        return dates.day_of_week.to_numpy() / 7.0
    if feature == "day_of_month":
        return (dates.day.to_numpy() - 1) / dates.days_in_month.to_numpy()
    if feature == "week_of_year":
        return dates.isocalendar().week.to_numpy(dtype=np.float64) / 53.0
    if feature == "month":
        return (dates.month.to_numpy() - 1) / 12.0
    if feature == "day_of_year":
        days_in_year = np.where(dates.is_leap_year, 366.0, 365.0)
        return (dates.day_of_year.to_numpy() - 1) / days_in_year
    raise KeyError(f"no calendar feature {feature!r}; check_calendar validates the names")


def check_holidays(region: str | None) -> str | None:
    """The holiday region as the `holidays` package knows it ("AU", "AU-VIC", "FR"), upper-case
    country code, subdivision by code or by name; a ConfigError says what is wrong."""
    if region is None:
        return None
    import holidays

    text = region.strip()
    country, _, subdivision = text.partition("-")
    country, subdivision = country.strip().upper(), subdivision.strip()
    if not country or ("-" in text and not subdivision):
        raise ConfigError(f"holidays {region!r} is not a region: {_HOLIDAY_FORM}")
    supported = holidays.list_supported_countries(include_aliases=True)
    if country not in supported:
        codes = holidays.list_supported_countries(include_aliases=False)
        raise ConfigError(
            f"holidays {region!r}: {country!r} is not a country the holidays package knows"
            f"{_did_you_mean(country, codes)}; {_HOLIDAY_FORM} (ISO 3166 codes; "
            f"{len(codes)} countries are known)")
    entity = holidays.country_holidays(country)  # no years: nothing is computed yet
    country = entity.country  # an alias such as AUS becomes AU
    if not subdivision:
        return country
    codes = {code.upper(): code for code in entity.subdivisions}
    aliases = {name.upper(): code for name, code in entity.subdivisions_aliases.items()}
    code = codes.get(subdivision.upper()) or aliases.get(subdivision.upper())
    if code is None:
        valid = ", ".join(entity.subdivisions) if entity.subdivisions else "none"
        raise ConfigError(
            f"holidays {region!r}: {country} has no subdivision {subdivision!r}; its "
            f"subdivisions are: {valid}. Give {country} alone for national holidays, or "
            f"{country}-<subdivision>")
    return f"{country}-{code}"


def region_zone(region: str | None) -> str | None:
    """The time zone whose local dates `region`'s holidays fall on, where we know it (the
    regions of the shipped data, Australia's states), else None."""
    return None if region is None else _REGION_ZONES.get(region)


def holiday_matrix(dates: pd.DatetimeIndex, region: str) -> tuple[np.ndarray, list[str]]:
    """(len(dates), 3) float64 of 0/1: the date is a public holiday, the day before one, the
    day after one; from each timestamp's local date (a tz-aware index is converted to the
    region's zone where we know it, otherwise its own zone is kept)."""
    import holidays

    dates = pd.DatetimeIndex(dates)
    if dates.tz is not None:
        dates = dates.tz_convert(region_zone(region) or dates.tz).tz_localize(None)
    days = dates.normalize().to_numpy().astype("datetime64[D]")
    if len(days) == 0:
        return np.empty((0, len(HOLIDAY_COLUMNS)), dtype=np.float64), list(HOLIDAY_COLUMNS)
    country, _, subdivision = region.partition("-")
    first, last = dates.min().year, dates.max().year
    calendar = holidays.country_holidays(country, subdiv=subdivision or None,
                                         years=range(first - 1, last + 2))
    known = np.array(sorted(calendar.keys()), dtype="datetime64[D]")
    one = np.timedelta64(1, "D")
    matrix = np.column_stack([np.isin(days, known), np.isin(days + one, known),
                              np.isin(days - one, known)]).astype(np.float64)
    return matrix, list(HOLIDAY_COLUMNS)


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    """' (did you mean X?)' for a close spelling, else ''."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
