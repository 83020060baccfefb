"""The API's error codes and their messages, as the docs word them per method.

Messages take `%0`, `%1` (and the docs' `%<ml>` / `%s`) from the error's arguments.
"""

from __future__ import annotations

from widget_server.protocol import SMS_REFUSED

_GROUP_PARAM = ('You have provided an invalid value for the parameter "group". '
                "Please resend request with the correct value of the parameter.")
_GROUP_NAME = ("You have provided an invalid value for group name parameter. "
               "Please resend request with the correct value of the parameter.")
_DISABLED = ("This SMS GupShup group has been disabled. "
             "Please email 'support@smsgupshup.com' to re-enable the group.")
_NON_ASCII = ("This message contains non-ASCII characters. "
              "Please remove those and resubmit the message.")
_TOO_LONG = ("This message exceeds the permitted length of %0 characters. Please reduce "
             "the length of the message to within allowed limits and resubmit.")
_VERSION_LONG = ('You have provided an invalid value for the parameter "version". '
                 'Please specify version as "1.0" or leave the field blank.')
_RANGE_15 = ("The specified range is invalid. "
             "Range can be a positive integer with maximum value of 15.")
_PRIVATE_REPLIES = "This group is private and only group owner can request this information."
_DUPLICATE = ("The last message you submitted is a duplicate of your earlier message. You "
              "cannot send duplicate messages.")

COMMON: dict[int, str] = {
    102: 'The specified response format "%0" is not supported.',
    107: 'The specified version "%0" is invalid. Please specify version as "1.0" or leave '
         "the field blank.",
    108: 'The specified method "%0" is not valid GupShup api.',
    109: 'The parameter "%0" is required. Please resend request.',
    110: 'The parameter "%0" is invalid. The parameter should be of type "%1".',
    111: 'The parameter "%0" is invalid. The parameter should be within a value of "%1".',
    113: 'The API call has not been executed since you have exceeded the throttle %0 limit '
         'of "%1".',
    129: "There was an internal error and your last action could not be performed. "
         "Please resubmit your last action after some time.",
    SMS_REFUSED: "No SMS was sent: this address has used its %0 SMS allowance of %1. Other "
                 "calls are not affected.",
}

_GROUP_READ = {
    2: "The specified group name is invalid.",
    3: _RANGE_15,
    112: 'You are trying to access a private group. The method "%0" is only supported for '
         "public groups.",
}

BY_METHOD: dict[str, dict[int, str]] = {
    "gupshup.getpublicstream": {1: _RANGE_15},
    "groups.getmessage": _GROUP_READ,
    "groups.getstream": _GROUP_READ,
    "groups.getinfo": _GROUP_READ,
    "groups.subscribegrouptoken": {
        1: "The specified group name is invalid.",
        2: "The specified phone number is invalid.",
        3: "Due to privacy policy of the parties involved the current action is deemed invalid.",
        5: "The specified phone number has 5 unconfirmed actions. All actions to %0 have now "
           "been disabled pending further confirmation.",
        6: "The token string specified is invalid.",
        7: "The confirmation string specified is invalid.",
        8: 'The user "%0" has already subscribed to group "%1".',
        9: "There have been more that 5 attempts. This action has now been disabled.",
        10: "Subscription action is only supported for public groups.",
    },
    "users.getchallenge": {},
    "users.login": {
        2: 'You have provided an invalid value for the parameter "phone". Please resend '
           "request with the correct value of the parameter.",
        109: 'You have not provided the parameter "%0", which is a required parameter. '
             "Please resend request with the parameter in place.",
        120: 'You have provided an invalid value for the parameter "country code". Please '
             "resend request with the correct value of the parameter.",
        121: "Authentication unsuccessful. This is possibly because of an incorrect password.",
        122: "The mobile phone number provided has not been activated yet. Please visit "
             "http://www.smsgupshup.com to activate the mobile phone.",
        123: "The mobile phone number provided has been disabled. Please email "
             "'support@smsgupshup.com' to reactivate the mobile phone.",
    },
    "groups.postmessage": {
        1: _GROUP_PARAM,
        6: "The token string specified is invalid.",
        124: _DISABLED,
        125: _NON_ASCII,
        126: _TOO_LONG,
        127: "You have hit a throttle limit. Please see other accompanying messages for details.",
        128: _DUPLICATE,
    },
    "users.getmygroups": {6: "The token string specified is not valid.", 107: _VERSION_LONG},
    "users.logout": {107: _VERSION_LONG},
    "users.getjoinedgroups": {
        1: "The token string specified is invalid.",
        131: "range parameter should be between 1 and 30.",
        150: "from parameter should be 0 or positive integer",
    },
    "groups.postreply": {
        1: _GROUP_NAME,
        6: "The token string specified is invalid.",
        124: _DISABLED,
        125: _NON_ASCII,
        126: _TOO_LONG,
        155: _PRIVATE_REPLIES,
        128: _DUPLICATE,
        156: "The reply message can not be empty.",
        157: "It is a partial success: the reply could not be posted to some of the groups "
             "named in the text.",
    },
    "groups.getreplies": {
        1: _GROUP_NAME,
        131: "range parameter should be between 1 and %0.",
        150: "from parameter should be 0 or positive integer",
        153: "The token string specified is invalid.",
        154: "Only group owner can request this information.",
        155: _PRIVATE_REPLIES,
    },
    "groups.invitefriends": {
        1: _GROUP_NAME,
        6: "The token string specified is invalid.",
        161: "One or more phone numbers are not valid.",
        162: "Invites have been sent to some of your friends. Some phone numbers could not be "
             "invited.",
        124: _DISABLED,
        163: "Invite cannot be sent to your friends.",
    },
}
BY_METHOD["users.getjoinedgroupsstream"] = BY_METHOD["users.getjoinedgroups"]


class ApiError(Exception):
    """An in-band API error: `code` and the arguments that fill the message."""

    def __init__(self, code: int, *args: object, extra: dict[str, object] | None = None) -> None:
        super().__init__(code, *args)
        self.code = code
        self.args_ = tuple(str(a) for a in args)
        self.extra = extra or {}

    def message(self, method: str) -> str:
        """The method's own words for the code, or the words every method shares; never
        another code's (a code without words says only its number)."""
        template = BY_METHOD.get(method, {}).get(self.code) or COMMON.get(self.code)
        if template is None:
            template = f"Error {self.code}."
        for i, value in enumerate(self.args_):
            template = template.replace(f"%{i}", value)
        return template
