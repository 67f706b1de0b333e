"""Page tests: ``api`` (the app on SQLite and PostgreSQL) and signed-in browsers from
``tests.support.web`` (``web_user(api, "rita", UserRole.RESPONDER)``)."""
