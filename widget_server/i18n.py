"""Every string the widgets, the subscription form and the error answers show, in English
and Hindi (the customization page speaks English)."""

from __future__ import annotations

LANG_NAMES = {"en": "English", "hi": "हिन्दी (Hindi)"}  # each language, in its own words
LANGS = tuple(LANG_NAMES)

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "messages": "Recent messages",
        "members": "members",
        "posts": "posts",
        "older": "Older messages",
        "newer": "Newer messages",
        "no_messages": "No messages yet.",
        "not_found": "This group doesn't exist or it's a private group.",
        "bad_name": "A group name is 1 to 64 letters, digits, '-' or '_'.",
        "unavailable": "GupShup isn't answering right now. Please try again in a minute.",
        "site_trouble": "This site has a problem on its side. Please try again in a minute.",
        "try_again_later": "Too many requests right now. Try again in {s} seconds.",
        "too_many_requests": "You asked for many groups or pages at once. Try again in {s} "
                             "seconds.",
        "try_again": "Try again",
        "stale": "These messages may be out of date: GupShup isn't answering right now.",
        "new_messages": "{n} new messages",
        "new_message": "1 new message",
        "public_title": "GupShup public stream",
        "public_desc": "What public groups are saying right now.",
        "subscribe": "Get these messages by SMS",
        "subscribe_elsewhere": "This site shows the widget in a frame that cannot send "
                               "forms.",
        "subscribe_link": "Subscribe by SMS",
        "subscribe_copy": "To get these messages by SMS, open this address:",
        "back": "Back",
        "powered": "GupShup group on",
        "open": "Open on GupShup",
        "from_group": "in",
        "phone_label": "Your mobile number",
        "consent": "You'll get this group's messages by SMS on this number. Reply STOP at any "
                   "time to stop. Your number is not shown to anyone.",
        "send_code": "Send me a code",
        "code_label": "The 4-character code from the SMS",
        "confirm": "Subscribe",
        "change_number": "Change number",
        "resend": "Send a new code",
        "resend_in": "Send a new code in {s} s",
        "code_sent": "If {phone} can get SMS and isn't subscribed yet, a code is on its way. "
                     "Type it below. (Already subscribed? Then no code comes: you're set.)",
        "subscribed": "Done! {phone} will get this group's messages by SMS. Reply STOP to stop.",
        "already_subscribed": "{phone} already gets this group's messages.",
        "bad_phone": "That doesn't look like an Indian mobile number. Try 98195 35746 or "
                     "+91 98195 35746.",
        "privacy": "This group can't take new subscribers right now.",
        "too_many_unconfirmed": "This number has too many unconfirmed requests. Confirm one "
                                "of the codes you got, or try again tomorrow.",
        "code_expired": "That code has expired. Ask for a new one.",
        "wrong_code": "That code isn't right. {n} tries left.",
        "bad_code": "The code is 4 letters or digits.",
        "too_many_attempts": "Too many wrong codes. Ask for a new code.",
        "too_many": "Too many requests. Try again in {m} minutes.",
        "busy": "Too many sign-ups right now. Try again in {m} minutes.",
        "upstream_error": "GupShup couldn't do that. Try again later.",
        "ticket_expired": "This request has expired. Start again.",
        "ticket_invalid": "This request isn't valid. Start again.",
        "wait_resend": "You can ask for a new code in {s} seconds.",
        "cross_site": "This form can only be sent from the widget itself.",
        "bad_form": "The form could not be read. Please fill it in again.",
    },
    "hi": {
        "messages": "हाल के संदेश",
        "members": "सदस्य",
        "posts": "पोस्ट",
        "older": "पुराने संदेश",
        "newer": "नए संदेश",
        "no_messages": "अभी कोई संदेश नहीं है।",
        "not_found": "यह समूह मौजूद नहीं है या यह एक निजी समूह है।",
        "bad_name": "समूह के नाम में 1 से 64 अक्षर, अंक, '-' या '_' हो सकते हैं।",
        "unavailable": "GupShup अभी जवाब नहीं दे रहा है। एक मिनट बाद फिर कोशिश करें।",
        "site_trouble": "इस साइट में अपनी ओर से कोई गड़बड़ है। एक मिनट बाद फिर कोशिश करें।",
        "try_again_later": "अभी बहुत सारे अनुरोध आ रहे हैं। {s} सेकंड बाद फिर कोशिश करें।",
        "too_many_requests": "आपने एक साथ बहुत सारे समूह या पेज माँगे। {s} सेकंड बाद फिर "
                             "कोशिश करें।",
        "try_again": "फिर कोशिश करें",
        "stale": "ये संदेश पुराने हो सकते हैं: GupShup अभी जवाब नहीं दे रहा है।",
        "new_messages": "{n} नए संदेश",
        "new_message": "1 नया संदेश",
        "public_title": "GupShup सार्वजनिक स्ट्रीम",
        "public_desc": "सार्वजनिक समूहों में अभी क्या कहा जा रहा है।",
        "subscribe": "ये संदेश SMS से पाएँ",
        "subscribe_elsewhere": "यह साइट विजेट को ऐसे फ़्रेम में दिखाती है जो फ़ॉर्म नहीं भेज "
                               "सकता।",
        "subscribe_link": "SMS से सदस्य बनें",
        "subscribe_copy": "ये संदेश SMS से पाने के लिए यह पता खोलें:",
        "back": "वापस",
        "powered": "GupShup समूह",
        "open": "GupShup पर खोलें",
        "from_group": "समूह",
        "phone_label": "आपका मोबाइल नंबर",
        "consent": "आपको इस नंबर पर इस समूह के संदेश SMS से मिलेंगे। रोकने के लिए कभी भी STOP "
                   "लिखकर भेजें। आपका नंबर किसी को नहीं दिखाया जाता।",
        "send_code": "मुझे कोड भेजें",
        "code_label": "SMS में आया 4 अक्षरों का कोड",
        "confirm": "सदस्य बनें",
        "change_number": "नंबर बदलें",
        "resend": "नया कोड भेजें",
        "resend_in": "{s} सेकंड में नया कोड भेजें",
        "code_sent": "अगर {phone} पर SMS आते हैं और यह अभी सदस्य नहीं है, तो कोड आ रहा है। उसे "
                     "नीचे लिखें। (पहले से सदस्य हैं? तब कोई कोड नहीं आएगा: आप जुड़े हुए हैं।)",
        "subscribed": "हो गया! {phone} पर इस समूह के संदेश SMS से आएँगे। रोकने के लिए STOP भेजें।",
        "already_subscribed": "{phone} पर इस समूह के संदेश पहले से आते हैं।",
        "bad_phone": "यह भारतीय मोबाइल नंबर नहीं लगता। 98195 35746 या +91 98195 35746 लिखें।",
        "privacy": "यह समूह अभी नए सदस्य नहीं ले सकता।",
        "too_many_unconfirmed": "इस नंबर के बहुत से अनुरोध अधूरे हैं। मिले हुए किसी कोड की "
                                "पुष्टि करें, या कल फिर कोशिश करें।",
        "code_expired": "यह कोड पुराना हो गया है। नया कोड माँगें।",
        "wrong_code": "यह कोड सही नहीं है। {n} कोशिशें बाकी हैं।",
        "bad_code": "कोड 4 अक्षरों या अंकों का होता है।",
        "too_many_attempts": "बहुत बार गलत कोड डाला गया। नया कोड माँगें।",
        "too_many": "बहुत सारे अनुरोध। {m} मिनट बाद फिर कोशिश करें।",
        "busy": "अभी बहुत लोग जुड़ रहे हैं। {m} मिनट बाद फिर कोशिश करें।",
        "upstream_error": "GupShup यह नहीं कर सका। बाद में फिर कोशिश करें।",
        "ticket_expired": "यह अनुरोध पुराना हो गया है। फिर से शुरू करें।",
        "ticket_invalid": "यह अनुरोध मान्य नहीं है। फिर से शुरू करें।",
        "wait_resend": "आप {s} सेकंड बाद नया कोड माँग सकते हैं।",
        "cross_site": "यह फ़ॉर्म केवल विजेट से ही भेजा जा सकता है।",
        "bad_form": "फ़ॉर्म पढ़ा नहीं जा सका। कृपया इसे फिर से भरें।",
    },
}


def lang_of(value: str | None) -> str:
    return value if value in LANGS else "en"


def strings(lang: str) -> dict[str, str]:
    return STRINGS[lang_of(lang)]


def say(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang`, with `{phone}`, `{n}`, `{m}`, `{s}` filled in."""
    return fill(strings(lang).get(key) or strings(lang)["upstream_error"], **values)


def fill(text: str, **values: object) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text
