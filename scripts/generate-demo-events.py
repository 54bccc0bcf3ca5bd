#!/usr/bin/env python3
"""Generate the demo's clickstream CSVs (deterministic: a fixed seed), committed under data/demo/.

Each row is one event of a shop's web sessions: page views, searches, add-to-carts and
purchases, with the user, session, page, device, country and, for purchases, price and
quantity. Run again only to change the data: python3 scripts/generate-demo-events.py
"""
import csv
import datetime as dt
import random
import uuid
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "demo"
COUNTRIES = ["NL", "DE", "FR", "GB", "US", "ES", "IT", "SE", "PL", "BE"]
DEVICES = ["mobile", "desktop", "tablet"]
PRODUCTS = [(f"sku-{i:04d}", round(random.Random(i).uniform(4, 250), 2)) for i in range(120)]
PAGES = ["/", "/search", "/category/shoes", "/category/jackets", "/category/bags", "/cart", "/checkout"]


def day_events(rng: random.Random, day: dt.date, sessions: int):
    rows = []
    for _ in range(sessions):
        user = f"u{rng.randint(1, 900):04d}"
        session = str(uuid.UUID(int=rng.getrandbits(128)))
        country = rng.choice(COUNTRIES)
        device = rng.choices(DEVICES, weights=[6, 3, 1])[0]
        t = dt.datetime.combine(day, dt.time(0), dt.timezone.utc) + dt.timedelta(seconds=rng.randint(0, 86_000))
        for _ in range(rng.randint(1, 9)):
            kind = rng.choices(["page_view", "search", "add_to_cart", "purchase"], weights=[60, 20, 12, 8])[0]
            sku, price = rng.choice(PRODUCTS)
            page = "/checkout" if kind == "purchase" else (f"/product/{sku}" if kind == "add_to_cart" else rng.choice(PAGES))
            rows.append({
                "event_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "event_time": t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "event_date": day.isoformat(),
                "user_id": user,
                "session_id": session,
                "event_type": kind,
                "page": page,
                "product_id": sku if kind in ("add_to_cart", "purchase") else "",
                "price": f"{price:.2f}" if kind == "purchase" else "",
                "quantity": str(rng.randint(1, 3)) if kind == "purchase" else "",
                "country": country,
                "device": device,
            })
            t += dt.timedelta(seconds=rng.randint(3, 240))
    rows.sort(key=lambda r: r["event_time"])
    return rows


def main() -> None:
    rng = random.Random(20240501)
    OUT.mkdir(parents=True, exist_ok=True)
    for day, sessions in [(dt.date(2024, 5, 1), 700), (dt.date(2024, 5, 2), 350)]:
        rows = day_events(rng, day, sessions)
        with open(OUT / f"events-{day.isoformat()}.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
        print(f"{len(rows)} events for {day}")


if __name__ == "__main__":
    main()
