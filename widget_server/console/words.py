"""Everything the console says, as English source strings by key; the catalogues under
`locales/` say it in the other languages."""

from __future__ import annotations

from widget_server.i18n import N_, Np_, Plural, Words

STRINGS: dict[str, str | Plural] = {
    "title": N_("GupShup console"),
    "language": N_("Language"),
    "change_language": N_("Change"),
    "intro": N_("Post to your GupShup groups, answer replies and invite friends."),
    "phone_label": N_("Mobile number"),
    "password_label": N_("GupShup password"),
    "login": N_("Log in"),
    "logout": N_("Log out"),
    "login_note": N_("Your password goes only to GupShup, as the challenge the API asks for;"
                     " this site never keeps it."),
    "logged_in_as": N_("Logged in as {phone}"),
    "my_groups": N_("Your groups"),
    "no_groups": N_("You don't own a group yet."),
    "joined": N_("Groups you've joined"),
    "no_joined": N_("You haven't joined a group yet."),
    "joined_stream": N_("Recent messages in groups you've joined"),
    "members": Np_("{n} member",
                "{n} members"),
    "posts": Np_("{n} post",
              "{n} posts"),
    "all_groups": N_("All your groups"),
    "compose": N_("Post a message"),
    "compose_help": N_("It goes by SMS to every member. Plain English letters, digits and "
                       "punctuation only (ASCII), at most 160 characters, not the same as "
                       "your last post."),
    "post": N_("Post"),
    "counter": Np_("{n} of 160 characters",
                "{n} of 160 characters"),
    "counter_over": N_("{n} characters: {over} too many"),
    "messages": N_("Recent messages and their replies"),
    "no_messages": N_("No messages yet."),
    "private_messages": N_("This group is private: GupShup's API doesn't list its messages, "
                           "which go to its members by SMS. You can still post, answer "
                           "replies and invite."),
    "no_replies": N_("No replies yet."),
    "reply_label": N_("Reply"),
    "reply_help": N_("Starts with @ and the group you answer. Without one it goes to {to}."),
    "reply": N_("Reply"),
    "you_replied": N_("You replied"),
    "hidden": N_("hidden by you"),
    "invite": N_("Invite friends"),
    "invite_help": N_("Indian mobile numbers, one per line or separated by commas, in any "
                      "form (98195 35746, +91 98195 35746). Each gets an SMS invitation."),
    "invite_send": N_("Send invitations"),
    "customize": N_("Put this group on your blog"),
    "open_widget": N_("See its widget"),
    "posted": N_("Posted. It goes out by SMS now, and the widgets show it within seconds."),
    "posted_later": N_("Posted. It goes out by SMS now; the widgets show it within {s} "
                       "seconds (this site's calls to GupShup are used up for the moment)."),
    "replied": N_("Your reply went to {to}."),
    "reply_failed": N_("Your reply reached no group:"),
    "invites_done": N_("Invitations:"),
    "invited": N_("invited"),
    "not_invited": N_("not invited: {reason}"),
    "not_a_number": N_("not an Indian mobile number"),
    "wrong_password": N_("That mobile number and password don't match. Check both and try "
                         "again."),
    "inactive": N_("This number isn't active on GupShup yet. Activate it at smsgupshup.com, "
                   "then log in."),
    "disabled_account": N_("This number has been switched off on GupShup. Write to "
                           "support@smsgupshup.com to switch it back on."),
    "bad_phone": N_("That doesn't look like an Indian mobile number. Try 98195 35746 or +91 "
                    "98195 35746."),
    "missing_password": N_("Type your password."),
    "session_ended": N_("Your session has ended. Please log in again."),
    "logged_out": N_("You're logged out."),
    "too_many_logins": Np_("Too many wrong passwords. For your safety, logging in is paused:"
                           " try again in {m} minute.",
                        "Too many wrong passwords. For your safety, logging in is paused:"
                           " try again in {m} minutes."),
    "busy": Np_("GupShup allows this site only so many calls, and they're used up for now. "
                "Try again in {s} second.",
             "GupShup allows this site only so many calls, and they're used up for now. "
                "Try again in {s} seconds."),
    "too_many": Np_("Many requests have come from your network in a short time: leaving room"
                    " for others, try again in {s} second.",
                 "Many requests have come from your network in a short time: leaving room"
                    " for others, try again in {s} seconds."),
    "unavailable": N_("GupShup isn't answering right now. Try again in a minute."),
    "site_trouble": N_("This site has a problem on its side (not GupShup): try again in a "
                       "minute."),
    "not_your_group": N_("That isn't one of your groups."),
    "no_such_message": N_("There is no such message to reply to."),
    "group_disabled": N_("This group has been switched off on GupShup: nothing can be posted"
                         " to it."),
    "empty": N_("Type a message first."),
    "not_ascii": N_("GupShup sends only plain English letters, digits and punctuation "
                    "(ASCII). Remove: {chars}"),
    "too_long": N_("At most 160 characters, and this is {n}: shorten it by {over}."),
    "repeat": N_("That's the same as your last post. GupShup doesn't send a message twice."),
    "pace": Np_("That's as many posts as GupShup takes in a minute. Try again in {s} second.",
             "That's as many posts as GupShup takes in a minute. Try again in {s} seconds."),
    "reply_private": N_("private: only its owner can post there"),
    "no_such_group": N_("there is no group by that name"),
    "switched_off": N_("switched off on GupShup"),
    "failed": N_("GupShup couldn't deliver it"),
    "bad_phones": N_("One or more numbers aren't Indian mobile numbers."),
    "invites_none": N_("Type at least one mobile number."),
    "invites_too_many": Np_("At most {n} number at a time.",
                         "At most {n} numbers at a time."),
    "invites_pace": Np_("You've sent many invitations lately. Try again in {m} minute.",
                     "You've sent many invitations lately. Try again in {m} minutes."),
    "cross_site": N_("This form can only be sent from the console itself."),
    "bad_form": N_("That form couldn't be read. Please try again."),
    "upstream_error": N_("GupShup couldn't do that: {detail}"),
}


def words(lang: str, zone: str = "Asia/Kolkata") -> Words:
    return Words(lang, STRINGS, "unavailable", zone)


def say(lang: str, key: str, **values: object) -> str:
    return words(lang).say(key, **values)
