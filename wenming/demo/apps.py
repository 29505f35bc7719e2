from django.apps import AppConfig


class DemoConfig(AppConfig):
    # No models and no pages: the app is here for its management commands.
    name = "wenming.demo"
    label = "demo"
