"""Everything the console says, in English and Hindi."""

from __future__ import annotations

from widget_server.i18n import fill, lang_of

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "GupShup console",
        "intro": "Post to your GupShup groups, answer replies and invite friends.",
        "phone_label": "Mobile number",
        "password_label": "GupShup password",
        "login": "Log in",
        "logout": "Log out",
        "login_note": "Your password goes only to GupShup, as the challenge the API asks "
                      "for; this site never keeps it.",
        "logged_in_as": "Logged in as {phone}",
        "my_groups": "Your groups",
        "no_groups": "You don't own a group yet.",
        "joined": "Groups you've joined",
        "no_joined": "You haven't joined a group yet.",
        "joined_stream": "Recent messages in groups you've joined",
        "members": "members",
        "posts": "posts",
        "all_groups": "All your groups",
        "compose": "Post a message",
        "compose_help": "It goes by SMS to every member. Plain English letters, digits and "
                        "punctuation only (ASCII), at most 160 characters, not the same "
                        "as your last post.",
        "post": "Post",
        "counter": "{n} of 160 characters",
        "counter_over": "{n} characters: {over} too many",
        "messages": "Recent messages and their replies",
        "no_messages": "No messages yet.",
        "private_messages": "This group is private: GupShup's API doesn't list its messages, "
                            "which go to its members by SMS. You can still post, answer "
                            "replies and invite.",
        "no_replies": "No replies yet.",
        "reply_label": "Reply",
        "reply_help": "Starts with @ and the group you answer. Without one it goes to {to}.",
        "reply": "Reply",
        "you_replied": "You replied",
        "hidden": "hidden by you",
        "invite": "Invite friends",
        "invite_help": "Indian mobile numbers, one per line or separated by commas, in any "
                       "form (98195 35746, +91 98195 35746). Each gets an SMS invitation.",
        "invite_send": "Send invitations",
        "customize": "Put this group on your blog",
        "open_widget": "See its widget",
        "posted": "Posted. It goes out by SMS now, and the widgets show it within seconds.",
        "posted_later": "Posted. It goes out by SMS now; the widgets show it within {s} "
                        "seconds (this site's calls to GupShup are used up for the moment).",
        "replied": "Your reply went to {to}.",
        "reply_failed": "Your reply reached no group:",
        "invites_done": "Invitations:",
        "invited": "invited",
        "not_invited": "not invited: {reason}",
        "not_a_number": "not an Indian mobile number",
        "wrong_password": "That mobile number and password don't match. Check both and try "
                          "again.",
        "inactive": "This number isn't active on GupShup yet. Activate it at "
                    "smsgupshup.com, then log in.",
        "disabled_account": "This number has been switched off on GupShup. Write to "
                            "support@smsgupshup.com to switch it back on.",
        "bad_phone": "That doesn't look like an Indian mobile number. Try 98195 35746 or "
                     "+91 98195 35746.",
        "missing_password": "Type your password.",
        "session_ended": "Your session has ended. Please log in again.",
        "logged_out": "You're logged out.",
        "too_many_logins": "Too many wrong passwords. For your safety, logging in is paused: "
                           "try again in {m} minutes.",
        "busy": "GupShup allows this site only so many calls, and they're used up for now. "
                "Try again in {s} seconds.",
        "too_many": "Many requests have come from your network in a short time: leaving "
                    "room for others, try again in {s} seconds.",
        "unavailable": "GupShup isn't answering right now. Try again in a minute.",
        "site_trouble": "This site has a problem on its side (not GupShup): try again in a "
                        "minute.",
        "not_your_group": "That isn't one of your groups.",
        "no_such_message": "There is no such message to reply to.",
        "group_disabled": "This group has been switched off on GupShup: nothing can be "
                          "posted to it.",
        "empty": "Type a message first.",
        "not_ascii": "GupShup sends only plain English letters, digits and punctuation "
                     "(ASCII). Remove: {chars}",
        "too_long": "At most 160 characters, and this is {n}: shorten it by {over}.",
        "repeat": "That's the same as your last post. GupShup doesn't send a message twice.",
        "pace": "That's as many posts as GupShup takes in a minute. Try again in {s} seconds.",
        "reply_private": "private: only its owner can post there",
        "no_such_group": "there is no group by that name",
        "switched_off": "switched off on GupShup",
        "failed": "GupShup couldn't deliver it",
        "bad_phones": "One or more numbers aren't Indian mobile numbers.",
        "invites_none": "Type at least one mobile number.",
        "invites_too_many": "At most {n} numbers at a time.",
        "invites_pace": "You've sent many invitations lately. Try again in {m} minutes.",
        "cross_site": "This form can only be sent from the console itself.",
        "bad_form": "That form couldn't be read. Please try again.",
        "upstream_error": "GupShup couldn't do that: {detail}",
        "other_lang": "हिन्दी",
    },
    "hi": {
        "title": "GupShup कंसोल",
        "intro": "अपने GupShup समूहों में पोस्ट करें, जवाब दें और दोस्तों को बुलाएँ।",
        "phone_label": "मोबाइल नंबर",
        "password_label": "GupShup पासवर्ड",
        "login": "लॉग इन करें",
        "logout": "लॉग आउट",
        "login_note": "आपका पासवर्ड केवल GupShup को जाता है, उसी चुनौती के रूप में जो API "
                      "माँगता है; यह साइट उसे कभी नहीं रखती।",
        "logged_in_as": "{phone} के रूप में लॉग इन",
        "my_groups": "आपके समूह",
        "no_groups": "अभी आपका कोई समूह नहीं है।",
        "joined": "जिन समूहों से आप जुड़े हैं",
        "no_joined": "आप अभी किसी समूह से नहीं जुड़े हैं।",
        "joined_stream": "आपके जुड़े समूहों के हाल के संदेश",
        "members": "सदस्य",
        "posts": "पोस्ट",
        "all_groups": "आपके सभी समूह",
        "compose": "संदेश पोस्ट करें",
        "compose_help": "यह हर सदस्य को SMS से जाता है। केवल अंग्रेज़ी अक्षर, अंक और विराम "
                        "चिह्न (ASCII), अधिक से अधिक 160 अक्षर, और आपकी पिछली पोस्ट से अलग।",
        "post": "पोस्ट करें",
        "counter": "160 में से {n} अक्षर",
        "counter_over": "{n} अक्षर: {over} ज़्यादा",
        "messages": "हाल के संदेश और उनके जवाब",
        "no_messages": "अभी कोई संदेश नहीं है।",
        "private_messages": "यह समूह निजी है: GupShup का API इसके संदेश नहीं दिखाता, वे "
                            "सदस्यों को SMS से जाते हैं। आप फिर भी पोस्ट कर सकते हैं, जवाब दे "
                            "सकते हैं और दोस्तों को बुला सकते हैं।",
        "no_replies": "अभी कोई जवाब नहीं।",
        "reply_label": "जवाब",
        "reply_help": "@ और उस समूह के नाम से शुरू करें जिसे जवाब दे रहे हैं। नहीं तो यह "
                      "{to} को जाएगा।",
        "reply": "जवाब दें",
        "you_replied": "आपने जवाब दिया",
        "hidden": "आपने छिपाया",
        "invite": "दोस्तों को बुलाएँ",
        "invite_help": "भारतीय मोबाइल नंबर, हर पंक्ति में एक या कॉमा से अलग, किसी भी रूप में "
                       "(98195 35746, +91 98195 35746)। हर नंबर पर SMS से न्योता जाएगा।",
        "invite_send": "न्योते भेजें",
        "customize": "यह समूह अपने ब्लॉग पर लगाएँ",
        "open_widget": "इसका विजेट देखें",
        "posted": "पोस्ट हो गया। यह अभी SMS से जा रहा है, और विजेट कुछ ही सेकंड में इसे "
                  "दिखाएँगे।",
        "posted_later": "पोस्ट हो गया। यह अभी SMS से जा रहा है; विजेट इसे {s} सेकंड में "
                        "दिखाएँगे (इस साइट की GupShup कॉल अभी के लिए खत्म हो गई हैं)।",
        "replied": "आपका जवाब {to} को गया।",
        "reply_failed": "आपका जवाब किसी समूह तक नहीं पहुँचा:",
        "invites_done": "न्योते:",
        "invited": "न्योता भेजा गया",
        "not_invited": "न्योता नहीं गया: {reason}",
        "not_a_number": "भारतीय मोबाइल नंबर नहीं है",
        "wrong_password": "यह मोबाइल नंबर और पासवर्ड मेल नहीं खाते। दोनों जाँचकर फिर कोशिश "
                          "करें।",
        "inactive": "यह नंबर अभी GupShup पर चालू नहीं हुआ है। smsgupshup.com पर इसे चालू "
                    "करें, फिर लॉग इन करें।",
        "disabled_account": "यह नंबर GupShup पर बंद कर दिया गया है। इसे फिर चालू कराने के "
                            "लिए support@smsgupshup.com पर लिखें।",
        "bad_phone": "यह भारतीय मोबाइल नंबर नहीं लगता। 98195 35746 या +91 98195 35746 लिखें।",
        "missing_password": "अपना पासवर्ड लिखें।",
        "session_ended": "आपका सत्र समाप्त हो गया है। कृपया फिर से लॉग इन करें।",
        "logged_out": "आप लॉग आउट हो गए हैं।",
        "too_many_logins": "बहुत बार गलत पासवर्ड डाला गया। आपकी सुरक्षा के लिए लॉग इन रोका "
                           "गया है: {m} मिनट बाद फिर कोशिश करें।",
        "busy": "GupShup इस साइट को सीमित कॉल ही करने देता है, और वे अभी खत्म हो गई हैं। "
                "{s} सेकंड बाद फिर कोशिश करें।",
        "too_many": "आपके नेटवर्क से थोड़े समय में बहुत अनुरोध आए हैं: दूसरों के लिए जगह "
                    "छोड़ते हुए, {s} सेकंड बाद फिर कोशिश करें।",
        "unavailable": "GupShup अभी जवाब नहीं दे रहा है। एक मिनट बाद फिर कोशिश करें।",
        "site_trouble": "इस साइट में अपनी ओर से गड़बड़ है (GupShup में नहीं): एक मिनट बाद फिर "
                        "कोशिश करें।",
        "not_your_group": "यह आपका समूह नहीं है।",
        "no_such_message": "जवाब देने के लिए ऐसा कोई संदेश नहीं है।",
        "group_disabled": "यह समूह GupShup पर बंद कर दिया गया है: इसमें कुछ पोस्ट नहीं हो "
                          "सकता।",
        "empty": "पहले संदेश लिखें।",
        "not_ascii": "GupShup केवल अंग्रेज़ी अक्षर, अंक और विराम चिह्न (ASCII) भेजता है। ये "
                     "हटाएँ: {chars}",
        "too_long": "अधिक से अधिक 160 अक्षर, और यह {n} है: इसे {over} छोटा करें।",
        "repeat": "यह आपकी पिछली पोस्ट जैसा ही है। GupShup एक संदेश दो बार नहीं भेजता।",
        "pace": "GupShup एक मिनट में इतनी ही पोस्ट लेता है। {s} सेकंड बाद फिर कोशिश करें।",
        "reply_private": "निजी: वहाँ केवल उसका मालिक पोस्ट कर सकता है",
        "no_such_group": "इस नाम का कोई समूह नहीं है",
        "switched_off": "GupShup पर बंद है",
        "failed": "GupShup इसे नहीं पहुँचा सका",
        "bad_phones": "एक या अधिक नंबर भारतीय मोबाइल नंबर नहीं हैं।",
        "invites_none": "कम से कम एक मोबाइल नंबर लिखें।",
        "invites_too_many": "एक बार में अधिक से अधिक {n} नंबर।",
        "invites_pace": "आपने हाल में बहुत न्योते भेजे हैं। {m} मिनट बाद फिर कोशिश करें।",
        "cross_site": "यह फ़ॉर्म केवल कंसोल से ही भेजा जा सकता है।",
        "bad_form": "यह फ़ॉर्म पढ़ा नहीं जा सका। कृपया फिर कोशिश करें।",
        "upstream_error": "GupShup यह नहीं कर सका: {detail}",
        "other_lang": "English",
    },
}


def words(lang: str) -> dict[str, str]:
    return STRINGS[lang_of(lang)]


def say(lang: str, key: str, **values: object) -> str:
    return fill(words(lang).get(key) or words(lang)["unavailable"], **values)
