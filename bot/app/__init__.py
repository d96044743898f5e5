"""The application: composition root, settings, command line and front-end factory."""
