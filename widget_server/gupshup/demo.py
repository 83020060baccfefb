"""Demo data, created on first start and never twice (a `meta` row marks it done)."""

from __future__ import annotations

import secrets
import sqlite3

from widget_server.gupshup.store import Database
from widget_server.protocol import password_secret

DEMO_PHONE = "9821107770"
DEMO_PASSWORD = "gupshup123"
FRIEND_PHONE = "9811111111"
USERS = [  # phone, name, password, status
    (DEMO_PHONE, "GupShup Demo", DEMO_PASSWORD, "active"),
    ("9876543210", "Not Yet Active", "inactive123", "inactive"),
    ("9123456780", "Switched Off", "disabled123", "disabled"),
    (FRIEND_PHONE, "Demo Friend", "friend123", "active"),
]
SUBSCRIBERS = {"jumpy": [FRIEND_PHONE, "9000000001", "9000000002"],
               "cricketbuzz": [FRIEND_PHONE], "hush": [FRIEND_PHONE]}
# name, title, description, public, adult, disabled
GROUPS = [
    ("jumpy", "Jumpy", "Jokes, riddles and good cheer, a few times a day.", 1, 0, 0),
    ("cricketbuzz", "Cricket Buzz", "Live scores and banter from every match.", 1, 0, 0),
    ("mumbaifood", "Mumbai Food", "Where to eat in Mumbai this week.", 1, 0, 0),
    ("delhimetro", "Delhi Metro Alerts", "Line delays and station news.", 1, 0, 0),
    ("techjobs", "Tech Jobs India", "Openings for developers and designers.", 1, 0, 0),
    ("shayari", "Shayari", "A couplet a day.", 1, 0, 0),
    ("latenight", "Late Night", "Adults only: after-dark humour.", 1, 1, 0),
    ("hush", "Hush", "A private group for friends.", 0, 0, 0),
    ("oldnews", "Old News", "This group has been switched off.", 1, 0, 1),
    ("chaipeople", "Chai People", "The demo friend's own group.", 1, 0, 0),
]
OWNERS = {"chaipeople": FRIEND_PHONE}  # every other group belongs to the demo account
JUMPY = [
    "Why did the programmer quit? He didn't get arrays.", "Good morning, jumpers!",
    "Riddle: what has keys but can't open locks? A piano.", "Chai break at 4, everyone.",
    "What do you call a lazy kangaroo? A pouch potato.", "Monday again. Stay jumpy!",
    "Riddle: the more you take, the more you leave behind. Footsteps.",
    "Why was the math book sad? Too many problems.", "Weekend plan: nap, samosa, repeat.",
    "Knock knock. Who's there? Lettuce. Lettuce in, it's raining!",
    "Riddle: what gets wetter the more it dries? A towel.", "Thought: be a pineapple.",
    "Why don't eggs tell jokes? They'd crack up.", "Monsoon is here, carry an umbrella.",
    "Riddle: what can you catch but not throw? A cold.", "Happy Diwali to all jumpers!",
    "What did the ocean say to the shore? Nothing, it just waved.", "Fun fact: honey never spoils.",
    "Riddle: I have hands but cannot clap. A clock.", "Why did the scarecrow win? Outstanding "
    "in his field.", "Tip: drink water, not just chai.", "Riddle: what has one eye but can't see? "
    "A needle.", "Why did the bicycle fall over? It was two tired.", "Good night, jumpers.",
    "Riddle: what goes up but never comes down? Your age.", "Thanks for 10,000 members!",
    "Parle-G or Marie? Reply and tell us.", "Why can't a nose be 12 inches? It'd be a foot.",
]
OTHERS = {
    "cricketbuzz": ["India 287/4 at 45 overs.", "Rain delay in Chennai.", "What a catch!",
                    "Toss won, batting first.", "Century for the skipper!", "Stumps: day 2."],
    "mumbaifood": ["Vada pav at Dadar station stall: still the best.", "New Irani cafe in Fort.",
                   "Pav bhaji festival this Sunday.", "Monsoon special: bhajiya at Marine Drive."],
    "delhimetro": ["Yellow line: 10 min delay.", "Blue line running normally.",
                   "Rajiv Chowk gate 5 closed for repairs.", "Extra trains for the match."],
    "techjobs": ["Python developer, Pune, 3+ years.", "Frontend intern, Bengaluru.",
                 "Android lead, remote.", "Data engineer, Hyderabad."],
    "shayari": ["Dil ki baat, dil hi jaane.", "Har pal yahan, jee bhar jiyo.",
                "Raat bhar chand se baat ki.", "Khwabon ka shehar, ummeedon ki raah."],
    "latenight": ["Adult joke #1 (hidden from the public stream by default).",
                  "Adult joke #2.", "Adult joke #3."],
    "hush": ["Private: meet at 8.", "Private: bring snacks."],
    "oldnews": ["The last post of a disabled group."],
    "chaipeople": ["Cutting chai at 5?", "Adrak or elaichi?"],
}


def seed(db: Database, now: float) -> bool:
    """Create the demo data unless it exists; True when it was created now."""
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM meta WHERE key = 'demo'").fetchone():
            return False
        salt = _salt(conn)
        ids = {phone: conn.execute(
            "INSERT INTO users (phone, name, secret, status) VALUES (?, ?, ?, ?)",
            (phone, name, password_secret(pw, salt), status)).lastrowid
            for phone, name, pw, status in USERS}
        for i, (name, title, desc, public, adult, disabled) in enumerate(GROUPS):
            group_id = conn.execute(
                "INSERT INTO groups (name, title, description, public, adult, disabled, "
                "owner_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, title, desc, public, adult, disabled, ids[OWNERS.get(name, DEMO_PHONE)],
                 now - 86400 * (400 - i * 20))).lastrowid
            texts = JUMPY if name == "jumpy" else OTHERS[name]
            _messages(conn, int(group_id or 0), int(ids[DEMO_PHONE] or 0), texts, now, i)
            for phone in SUBSCRIBERS.get(name, []):
                conn.execute("INSERT INTO subscriptions VALUES (?, ?, ?)", (group_id, phone, now))
        _replies(conn, int(ids[DEMO_PHONE] or 0), now)
        conn.execute("INSERT INTO meta VALUES ('demo', 'seeded')")
    return True


def _salt(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
    if row:
        return str(row[0])
    salt = secrets.token_urlsafe(9)
    conn.execute("INSERT INTO meta VALUES ('salt', ?)", (salt,))
    return salt


def ensure_salt(db: Database) -> None:
    with db.write() as conn:
        _salt(conn)


def _messages(conn: sqlite3.Connection, group_id: int, user_id: int, texts: list[str],
              now: float, offset: int) -> None:
    # Recent and irregular: minutes apart at first, then hours, then days.
    age = 60.0 * (3 + offset * 7)
    for n, text in enumerate(texts):
        conn.execute("INSERT INTO messages (group_id, user_id, text, time) VALUES (?, ?, ?, ?)",
                     (group_id, user_id, text, now - age))
        age += 60.0 * (5 + (n * 37) % 53) * (1 + n // 6)


def _replies(conn: sqlite3.Connection, user_id: int, now: float) -> None:
    ids = {r["name"]: r["id"] for r in conn.execute("SELECT id, name FROM groups")}
    for n, (to, frm, text, hidden) in enumerate([
        ("jumpy", "cricketbuzz", "@jumpy loved the piano riddle!", 0),
        ("jumpy", "shayari", "@jumpy a couplet for you: hanste raho.", 0),
        ("jumpy", "techjobs", "@jumpy hiring jokers? (hidden by the owner)", 1),
    ]):
        conn.execute("INSERT INTO replies (group_id, from_group_id, user_id, text, time, hidden) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (ids[to], ids[frm], user_id, text, now - 600 * (n + 1), hidden))


def disable_demo_accounts(db: Database) -> bool:
    """Switch off the demo accounts, if there are any still on: True if so."""
    phones = [phone for phone, *_ in USERS]
    with db.write() as conn:
        if not conn.execute("SELECT 1 FROM meta WHERE key = 'demo'").fetchone():
            return False
        changed = conn.execute(
            f"UPDATE users SET status = 'disabled' WHERE status != 'disabled' AND phone IN "
            f"({', '.join('?' * len(phones))})", phones).rowcount
    return bool(changed)
