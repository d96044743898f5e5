"""The playground: the real bot on the Bot API emulator, a web chat and a demo university."""
