"""The try-it page: a plain HTML/CSS/JS form over the public API, served by the app itself."""
