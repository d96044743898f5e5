"""Simulated chats: a private chat with one user (SimUser) and a group (SimGroup).

A chat keeps the bot's messages (latest state) and lets a test act as Telegram users: send
text or documents, press inline buttons, and wait for the bot's reaction without sleeping.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from emulator import content
from emulator.formatting import command_entities
from emulator.models import CallbackAnswer, Event, JsonDict, Message
from emulator.notify import Notifier

if TYPE_CHECKING:
    from emulator.server import BotApiEmulator

T = TypeVar("T")

# The bot's ChatMember status in a private chat: blocked ("kicked", for ever) or not.
_KICKED: JsonDict = {"status": "kicked", "until_date": 0}
_MEMBER: JsonDict = {"status": "member"}
_REPORTED_MESSAGES = 5
_REPORTED_FAILURES = 5


class SimChat(ABC):
    """State and waiting helpers shared by private chats and groups."""

    def __init__(self, emulator: BotApiEmulator, chat_id: int) -> None:
        self._emulator = emulator
        self.chat_id = chat_id
        # Latest state of every bot message, in sending order; deleted ones stay, flagged.
        self._history: dict[int, Message] = {}
        self._order: list[int] = []
        self._consumed = 0
        # Latest state of every message simulated users posted here, by message id.
        self._posts: dict[int, Message] = {}
        self._next_message_id = 1
        self._last_query_id: str | None = None
        self._changed = Notifier()

    @property
    @abstractmethod
    def chat_json(self) -> JsonDict:
        """The Bot API Chat object of this chat."""

    @property
    @abstractmethod
    def label(self) -> str:
        """A human-readable name used in error messages."""

    @property
    def messages(self) -> list[Message]:
        """All bot messages still in the chat, in order, with edits applied."""
        return [message for message in self._history.values() if not message.deleted]

    @property
    def transcript(self) -> list[Message]:
        """Every message in the chat, the bot's and the users', in order, as now shown."""
        everything = [*self._history.values(), *self._posts.values()]
        shown = [message for message in everything if not message.deleted]
        return sorted(shown, key=lambda message: message.message_id)

    @property
    def reply_keyboard(self) -> JsonDict | None:
        """The reply keyboard shown under the input field now: the last one a bot message set,
        until a message removes it or, when it is one-time, the user has used it."""
        shown: JsonDict | None = None
        for message in self.transcript:
            markup = message.reply_markup
            if message.sender is None and markup is not None and "inline_keyboard" not in markup:
                shown = markup if "keyboard" in markup else None
            elif message.users_shared is not None and shown and shown.get("one_time_keyboard"):
                shown = None
        return shown

    def current(self, message_id: int) -> Message | None:
        """The latest state of a bot message that has not been deleted."""
        message = self._history.get(message_id)
        return None if message is None or message.deleted else message

    async def wait_message(self, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The next bot message the test has not consumed yet (FIFO)."""
        return (await self.wait_messages(1, timeout))[0]

    async def wait_messages(self, n: int, timeout: float = 5.0) -> list[Message]:  # noqa: ASYNC109
        """The next `n` unconsumed bot messages, in the order the bot sent them."""
        target = self._consumed + n

        def ready() -> list[Message] | None:
            if len(self._order) < target:
                return None
            return [self._history[i] for i in self._order[self._consumed : target]]

        messages = await self._wait_for(ready, timeout, f"{n} new bot message(s)")
        self._consumed = target
        return messages

    async def wait_edit(self, message: Message, timeout: float = 5.0) -> Message:  # noqa: ASYNC109
        """The state of `message` after the bot edits it again (or deletes it)."""

        def ready() -> Message | None:
            latest = self._history[message.message_id]
            changed = latest.edit_count > message.edit_count or latest.deleted
            return latest if changed else None

        return await self._wait_for(ready, timeout, f"edit of message {message.message_id}")

    async def wait_callback_answer(self, timeout: float = 5.0) -> CallbackAnswer:  # noqa: ASYNC109
        """The bot's answerCallbackQuery for the latest button click in this chat."""
        query_id = self._last_query_id
        if query_id is None:
            raise RuntimeError(f"{self.label}: no button was clicked yet")
        answers = self._emulator.callback_answers
        return await self._wait_for(
            lambda: answers.get(query_id), timeout, f"answer to callback query {query_id}"
        )

    async def _wait_for(self, ready: Callable[[], T | None], seconds: float, what: str) -> T:
        try:
            async with asyncio.timeout(seconds):
                while (result := ready()) is None:
                    await self._changed.wait()
        except TimeoutError:
            raise TimeoutError(self._timeout_report(what, seconds)) from None
        return result

    def _timeout_report(self, what: str, timeout: float) -> str:
        lines = [
            f"{self.label}: no {what} within {timeout:g}s.",
            f"The bot sent {len(self._order)} message(s) here, the test consumed "
            f"{self._consumed}; {self._emulator.pending_updates} update(s) are not yet "
            "confirmed by the bot. Latest bot messages:",
        ]
        latest = [self._history[i] for i in self._order[-_REPORTED_MESSAGES:]]
        lines += [f"  {_describe(message)}" for message in latest] or ["  (none)"]
        failures = [
            call
            for call in self._emulator.calls
            if call.chat_id == self.chat_id and call.status != 200
        ][-_REPORTED_FAILURES:]
        if failures:
            lines.append("Failed Bot API calls for this chat:")
            lines += [f"  {call.method} -> {call.status} {call.description}" for call in failures]
        return "\n".join(lines)

    # Called by the emulator when the bot acts on this chat.

    def allocate_message_id(self) -> int:
        """A new message id; users and the bot share one sequence per chat, as in Telegram."""
        message_id = self._next_message_id
        self._next_message_id += 1
        return message_id

    def record(self, message: Message) -> None:
        """Store a new bot message or the new state of an existing one."""
        if message.message_id not in self._history:
            self._order.append(message.message_id)
        self._history[message.message_id] = message
        self._changed.notify()

    def delete_post(self, message_id: int) -> Message | None:
        """Delete a message a simulated user sent; its deleted state, or None if there is none."""
        post = self._posts.get(message_id)
        if post is None or post.deleted:
            return None
        deleted = replace(post, deleted=True)
        self._posts[message_id] = deleted
        return deleted

    def notify_changed(self) -> None:
        """Wake the wait_* helpers (e.g. when a callback answer arrives)."""
        self._changed.notify()

    # Acting as a user.

    async def _post(self, sender: SimUser, content: JsonDict, shown: Message) -> int:
        message = {
            "message_id": shown.message_id,
            "date": shown.date,
            "chat": self.chat_json,
            "from": sender.user_json,
            **content,
        }
        self._posts[shown.message_id] = shown
        # Announced before the bot can see it, so a web chat shows it before any answer.
        await self._emulator.emit(Event("post", self.chat_id, shown))
        return self._emulator.inject_update({"message": message})

    def _shown(self, sender: SimUser, text: str | None, entities: list[JsonDict]) -> Message:
        return Message(
            message_id=self.allocate_message_id(),
            chat_id=self.chat_id,
            date=int(self._emulator.clock()),
            text=text,
            entities=entities,
            sender=sender.user_json,
        )

    async def _post_text(self, sender: SimUser, text: str) -> int:
        content: JsonDict = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return await self._post(sender, content, self._shown(sender, text, entities))

    async def _post_shared(self, sender: SimUser, request_id: int, person: JsonDict) -> int:
        if content.picker_request(self.reply_keyboard) != request_id:
            raise ValueError(f"{self.label}: no person picker with request_id {request_id} shown")
        name = " ".join(str(person[k]) for k in ("first_name", "last_name") if person.get(k))
        shared: JsonDict = {"request_id": request_id, "users": [person]}
        shown = replace(self._shown(sender, f"👤 {name}", []), users_shared=shared)
        return await self._post(sender, {"users_shared": shared}, shown)

    async def _post_document(
        self,
        sender: SimUser,
        data: bytes,
        file_name: str,
        mime_type: str | None,
        caption: str | None,
    ) -> int:
        file = self._emulator.store_file(data, file_name=file_name, mime_type=mime_type)
        content: JsonDict = {"document": self._emulator.file_json(file)}
        if caption:
            content["caption"] = caption
        shown = replace(self._shown(sender, caption or None, []), document=file)
        return await self._post(sender, content, shown)

    def _click(
        self, sender: SimUser, message: Message, text: str | None, callback_data: str | None
    ) -> int:
        current = self.current(message.message_id)
        if current is None:
            raise ValueError(f"{self.label}: message {message.message_id} is not in the chat")
        if callback_data is None:
            if text is None:
                raise ValueError("pass the button text or callback_data")
            callback_data = current.button(text).callback_data
            if callback_data is None:
                raise ValueError(f"button {text!r} has no callback_data (is it a URL button?)")
        query_id = self._emulator.new_callback_query_id()
        self._last_query_id = query_id
        query = {
            "id": query_id,
            "from": sender.user_json,
            "message": self._emulator.message_json(current),
            "chat_instance": f"instance{self.chat_id}",
            "data": callback_data,
        }
        return self._emulator.inject_update({"callback_query": query})


class SimUser(SimChat):
    """A Telegram user and their private chat with the bot (chat_id == user id)."""

    def __init__(
        self,
        emulator: BotApiEmulator,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        super().__init__(emulator, user_id)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    @property
    def user_json(self) -> JsonDict:
        """The Bot API User object of this user."""
        user: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        user.update({key: value for key, value in optional.items() if value is not None})
        return user

    @property
    def shared_json(self) -> JsonDict:
        """The Bot API SharedUser object of this user, as a picker that asks for names and
        username gives."""
        shared: JsonDict = {"user_id": self.id, "first_name": self.first_name}
        if self.last_name is not None:
            shared["last_name"] = self.last_name
        if self.username is not None:
            shared["username"] = self.username
        return shared

    @property
    def chat_json(self) -> JsonDict:
        """The Bot API Chat object of the private chat."""
        chat: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        optional = {"last_name": self.last_name, "username": self.username}
        chat.update({key: value for key, value in optional.items() if value is not None})
        return chat

    @property
    def label(self) -> str:
        """A human-readable name used in error messages."""
        return f"user {self.first_name} (chat {self.id})"

    async def send(self, text: str) -> int:
        """Send a text message to the bot; returns the update_id."""
        return await self._post_text(self, text)

    async def send_document(
        self,
        data: bytes,
        file_name: str = "document",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """Send a document the bot can download via getFile; returns the update_id."""
        return await self._post_document(self, data, file_name, mime_type, caption)

    async def share(self, person: SimUser | JsonDict, request_id: int | None = None) -> int:
        """Choose a person with the bot's person picker (a request_users button on the shown
        reply keyboard; its request_id unless given); returns the update_id. ValueError when
        no such picker is shown, as a client shows none."""
        if request_id is None:
            request_id = content.picker_request(self.reply_keyboard)
            if request_id is None:
                raise ValueError(f"{self.label}: no person picker is shown")
        if isinstance(person, SimUser):
            person = person.shared_json
        return await self._post_shared(self, request_id, person)

    async def click(
        self, message: Message, text: str | None = None, *, callback_data: str | None = None
    ) -> int:
        """Press the inline button with this text (or send `callback_data`); returns update_id."""
        return self._click(self, message, text, callback_data)

    def block_bot(self) -> int:
        """Block the bot: its sends to this user answer 403, and it gets a my_chat_member
        update (its status "kicked"); returns the update_id."""
        self._emulator.block(self.id)
        return self._member_update(_MEMBER, _KICKED)

    def unblock_bot(self) -> int:
        """Unblock the bot: it may write again, and gets a my_chat_member update ("member")."""
        self._emulator.unblock(self.id)
        return self._member_update(_KICKED, _MEMBER)

    def _member_update(self, old: JsonDict, new: JsonDict) -> int:
        emu = self._emulator
        bot = content.user_json(emu.bot_id, emu.bot_first_name, emu.bot_username)
        change = {
            "chat": self.chat_json,
            "from": self.user_json,
            "date": int(emu.clock()),
            "old_chat_member": {"user": bot, **old},
            "new_chat_member": {"user": bot, **new},
        }
        return emu.inject_update({"my_chat_member": change})


class SimGroup(SimChat):
    """A group chat in which any SimUser can write."""

    def __init__(self, emulator: BotApiEmulator, chat_id: int, title: str) -> None:
        super().__init__(emulator, chat_id)
        self.title = title

    @property
    def chat_json(self) -> JsonDict:
        """The Bot API Chat object of the group."""
        kind = "supergroup" if str(self.chat_id).startswith("-100") else "group"
        return {"id": self.chat_id, "type": kind, "title": self.title}

    @property
    def label(self) -> str:
        """A human-readable name used in error messages."""
        return f"group {self.title!r} (chat {self.chat_id})"

    async def send(self, user: SimUser, text: str) -> int:
        """`user` writes a text message in the group; returns the update_id."""
        return await self._post_text(user, text)

    async def send_document(
        self,
        user: SimUser,
        data: bytes,
        file_name: str = "document",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """`user` posts a document in the group; returns the update_id."""
        return await self._post_document(user, data, file_name, mime_type, caption)

    async def click(
        self,
        user: SimUser,
        message: Message,
        text: str | None = None,
        *,
        callback_data: str | None = None,
    ) -> int:
        """`user` presses an inline button of a bot message in the group; returns update_id."""
        return self._click(user, message, text, callback_data)


def _describe(message: Message) -> str:
    parts = [f"#{message.message_id}: {message.text!r}"]
    if message.buttons:
        parts.append(f"buttons={message.button_texts()}")
    if message.document:
        parts.append(f"document={message.document.file_name!r}")
    if message.edit_count:
        parts.append(f"edits={message.edit_count}")
    if message.deleted:
        parts.append("(deleted)")
    return " ".join(parts)
