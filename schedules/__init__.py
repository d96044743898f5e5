"""The clock: periodic ticks that claim due rows from the database and act on them."""
