"""`python -m bot.tally OUT.json`: recount a published election (see `bot/domain/tally.py`)."""

from bot.domain.tally import main

if __name__ == "__main__":
    raise SystemExit(main())
