"""A Telegram Bot API emulator for end-to-end tests, benchmarks and the web playground."""

from emulator.chats import SimChat, SimGroup, SimUser
from emulator.models import Button, Call, CallbackAnswer, Event, File, Message, Upload
from emulator.server import BotApiEmulator

__all__ = [
    "BotApiEmulator",
    "Button",
    "Call",
    "CallbackAnswer",
    "Event",
    "File",
    "Message",
    "SimChat",
    "SimGroup",
    "SimUser",
    "Upload",
]
