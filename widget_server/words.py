"""Every string the widgets, the subscription form and the error answers show, as English
source strings by key; the catalogues under `locales/` say them in the other languages."""

from __future__ import annotations

from widget_server.i18n import N_, Np_, Plural, Words

WIDGET: dict[str, str | Plural] = {
    "messages": N_("Recent messages"),
    "members": Np_("{n} member",
                "{n} members"),
    "posts": Np_("{n} post",
              "{n} posts"),
    "older": N_("Older messages"),
    "newer": N_("Newer messages"),
    "no_messages": N_("No messages yet."),
    "not_found": N_("This group doesn't exist or it's a private group."),
    "bad_name": N_("A group name is 1 to 64 letters, digits, '-' or '_'."),
    "unavailable": N_("GupShup isn't answering right now. Please try again in a minute."),
    "site_trouble": N_("This site has a problem on its side. Please try again in a minute."),
    "try_again_later": Np_("Too many requests right now. Try again in {s} second.",
                        "Too many requests right now. Try again in {s} seconds."),
    "too_many_requests": Np_("You asked for many groups or pages at once. Try again in {s} "
                             "second.",
                          "You asked for many groups or pages at once. Try again in {s} "
                             "seconds."),
    "try_again": N_("Try again"),
    "stale": N_("These messages may be out of date: GupShup isn't answering right now."),
    "new_messages": Np_("{n} new message",
                     "{n} new messages"),
    "public_title": N_("GupShup public stream"),
    "public_desc": N_("What public groups are saying right now."),
    "subscribe": N_("Get these messages by SMS"),
    "subscribe_elsewhere": N_("This site shows the widget in a frame that cannot send forms."),
    "subscribe_link": N_("Subscribe by SMS"),
    "subscribe_copy": N_("To get these messages by SMS, open this address:"),
    "back": N_("Back"),
    "open": N_("Open on GupShup"),
    "from_group": N_("in {group}"),
    "phone_label": N_("Your mobile number"),
    "consent": N_("You'll get this group's messages by SMS on this number. Reply STOP at any"
                  " time to stop. Your number is not shown to anyone."),
    "send_code": N_("Send me a code"),
    "code_label": N_("The 4-character code from the SMS"),
    "confirm": N_("Subscribe"),
    "change_number": N_("Change number"),
    "resend": N_("Send a new code"),
    "resend_in": N_("Send a new code in {s} s"),
    "code_sent": N_("If {phone} can get SMS and isn't subscribed yet, a code is on its way. "
                    "Type it below. (Already subscribed? Then no code comes: you're set.)"),
    "subscribed": N_("Done! {phone} will get this group's messages by SMS. Reply STOP to stop."),
    "already_subscribed": N_("{phone} already gets this group's messages."),
    "bad_phone": N_("That doesn't look like an Indian mobile number. Try 98195 35746 or +91 "
                    "98195 35746."),
    "privacy": N_("This group can't take new subscribers right now."),
    "too_many_unconfirmed": N_("This number has too many unconfirmed requests. Confirm one "
                               "of the codes you got, or try again tomorrow."),
    "code_expired": N_("That code has expired. Ask for a new one."),
    "wrong_code": Np_("That code isn't right. {n} try left.",
                   "That code isn't right. {n} tries left."),
    "bad_code": N_("The code is 4 letters or digits."),
    "too_many_attempts": N_("Too many wrong codes. Ask for a new code."),
    "too_many": Np_("Too many requests. Try again in {m} minute.",
                 "Too many requests. Try again in {m} minutes."),
    "busy": Np_("Too many sign-ups right now. Try again in {m} minute.",
             "Too many sign-ups right now. Try again in {m} minutes."),
    "upstream_error": N_("GupShup couldn't do that. Try again later."),
    "ticket_expired": N_("This request has expired. Start again."),
    "ticket_invalid": N_("This request isn't valid. Start again."),
    "wait_resend": Np_("You can ask for a new code in {s} second.",
                    "You can ask for a new code in {s} seconds."),
    "cross_site": N_("This form can only be sent from the widget itself."),
    "not_whole": N_("'{name}' must be a whole number."),
    "out_of_range": N_("'{name}' must be between {low} and {high}."),
    "not_boolean": N_("'{name}' must be true or false."),
    "not_a_widget": N_("That is not the address of a widget of this server."),
    "bad_form": N_("The form could not be read. Please fill it in again."),}


def strings(lang: str, zone: str = "Asia/Kolkata") -> Words:
    return Words(lang, WIDGET, "upstream_error", zone)


def say(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang`, with `{phone}`, `{n}`, `{m}`, `{s}` filled in."""
    return strings(lang).say(key, **values)


# What the customization page (`/`) says from code; its own text is in templates/index.html.
PAGE: dict[str, str | Plural] = {
    "empty": N_("Type the name of a GupShup group: the part after gupshup.com/ in its "
                "address."),
    "group_not_found": N_("There is no public GupShup group by that name."),
    "private_group": N_("That group is private: its messages can't be shown on a blog."),
    "disabled": N_("That group has been switched off: its messages show, but nobody can "
                   "subscribe to it."),
    "not_a_colour": N_("“{color}” is not a colour like #1971c2: the default is used."),
    "too_close_light": N_("{chosen} is too close to the light page to stand out: in the "
                          "light theme the widget uses {used} instead."),
    "too_close_dark": N_("{chosen} is too close to the dark page to stand out: in the dark "
                         "theme the widget uses {used} instead."),
    "count_adjusted": N_("{count} messages can't be shown (1 to 15): showing {shown}."),
    "unreachable_host": N_("This page is served from {host}, which no blog on the internet "
                           "can reach: set WIDGET_PUBLIC_URL to the server's public address "
                           "before you copy a snippet."),
    "unreachable_port": N_("This server answers on port {port}: WordPress embeds a widget "
                           "URL only from ports 80, 443 and 8080 (and says \"Sorry, this "
                           "content could not be embedded\"). Serve it behind a proxy on "
                           "443."),
}


def page_words(lang: str) -> Words:
    return Words(lang, PAGE, "empty")
