"""Synthetic feedback with a planted new theme, for the discovery and emerging-theme tests.

Four months of comments (2026-06-01 .. 2026-09-30) in English and Russian about stable
themes (late delivery, rude staff, high prices, a crashing app, good quality) at constant
shares (themes, languages and templates cycle in date order, so the stable part is a true
null: no theme or template rises). In the last 30 days about 5% of the comments also talk
about parcel lockers, half in English and half in Russian ("постамат"); they never appear
before.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STABLE = {
    "delivery": (
        ["The parcel arrived {n} days late.", "Delivery took {n} days longer than promised.",
         "My order came {n} days after the promised date.",
         "Shipping was slow, {n} days of waiting."],
        ["Посылка пришла на {n} дня позже.", "Доставка заняла на {n} дня больше обещанного.",
         "Заказ привезли с опозданием на {n} дня."],
    ),
    "staff": (
        ["The cashier was rude to me.", "Staff in the store were unfriendly and rude.",
         "The shop assistant ignored my questions.", "A rude employee shouted at me."],
        ["Кассир мне нагрубил.", "Продавец в магазине был грубым.",
         "Сотрудник магазина проигнорировал мои вопросы."],
    ),
    "price": (
        ["Prices are far too high.", "Everything is too expensive for what you get.",
         "The price went up again, way too expensive."],
        ["Цены слишком высокие.", "Всё очень дорого за такое качество.",
         "Цена снова выросла, слишком дорого."],
    ),
    "app": (
        ["The app crashes every time I open it.", "The mobile app keeps freezing.",
         "The app logs me out constantly."],
        ["Приложение вылетает при каждом запуске.", "Мобильное приложение постоянно зависает."],
    ),
    "quality": (
        ["Great quality, I love the fabric.", "The product quality is excellent.",
         "Very good quality for everyday use."],
        ["Отличное качество, ткань очень приятная.", "Качество товара превосходное."],
    ),
}
LOCKER = (
    ["The parcel locker would not open with my code.",
     "My package was sent to a parcel locker far from my home.",
     "The parcel locker was full so I could not pick up my order.",
     "The code for the parcel locker never arrived.",
     "I had to go to a parcel locker instead of home delivery."],
    ["Постамат не открылся по моему коду.", "Посылку отправили в постамат далеко от дома.",
     "Постамат был переполнен, и я не смог забрать заказ.",
     "Код для постамата так и не пришёл.",
     "Пришлось идти к постамату вместо доставки домой."],
)
OPENERS = ["", "Honestly, ", "Well, ", "To be fair, "]
OPENERS_RU = ["", "Честно говоря, ", "Ну, ", "Если честно, "]


def planted_feedback(n: int = 480, *, locker_share: float = 0.05, seed: int = 0
                     ) -> pd.DataFrame:
    """``id, date, nps, comment`` rows; about ``locker_share`` of the last 30 days' comments
    mention a parcel locker (English and Russian in turn), none before."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-06-01")
    days = pd.date_range(start, "2026-09-30", freq="D")
    dates = np.sort(rng.choice(days, size=n))
    last_start = pd.Timestamp("2026-09-30") - pd.Timedelta(days=30)
    recent_idx = np.flatnonzero(dates > last_start)
    n_locker = max(2, round(locker_share * len(recent_idx)))
    locker_rows = set(rng.choice(recent_idx, size=n_locker, replace=False).tolist())
    themes = list(STABLE)
    rows = []
    k_locker = 0
    k_other = 0
    for i in range(n):
        if i in locker_rows:
            ru = k_locker % 2 == 1
            pool = LOCKER[1 if ru else 0]
            text = pool[(k_locker // 2) % len(pool)]
            k_locker += 1
            nps = int(rng.integers(0, 7))
        else:
            # themes, languages and templates cycle in date order, so every stable theme
            # (and template) keeps the same share in every period: a true null
            ru = k_other % 2 == 1
            theme = themes[(k_other // 2) % len(themes)]
            pool = STABLE[theme][1 if ru else 0]
            text = pool[(k_other // (2 * len(themes))) % len(pool)].format(
                n=int(rng.integers(2, 9)))
            k_other += 1
            nps = int(rng.integers(0, 7)) if theme != "quality" else int(rng.integers(8, 11))
        opener = (OPENERS_RU if ru else OPENERS)[int(rng.integers(4))]
        if opener:
            text = opener + text[0].lower() + text[1:]
        rows.append({"id": f"C{i + 1:04d}", "date": pd.Timestamp(dates[i]).date().isoformat(),
                     "nps": nps, "comment": text})
    return pd.DataFrame(rows)


_RESULTS: dict[tuple[int, int, float, int], object] = {}


def planted_result(analyzer: object, n: int = 800, *, locker_share: float = 0.05,
                   seed: int = 0) -> object:
    """``analyzer.analyze(planted_feedback(...), date_col="date")``, cached per process."""
    key = (id(analyzer), n, locker_share, seed)
    if key not in _RESULTS:
        frame = planted_feedback(n, locker_share=locker_share, seed=seed)
        _RESULTS[key] = analyzer.analyze(frame, date_col="date",  # type: ignore[attr-defined]
                                         score_col="nps", id_col="id")
    return _RESULTS[key]
