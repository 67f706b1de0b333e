"""The web app: server-rendered pages (Jinja2), htmx for partial updates, server-sent events
for live pages; every asset vendored under ``static/`` and served by warroom itself."""
