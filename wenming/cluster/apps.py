from django.apps import AppConfig


class ClusterConfig(AppConfig):
    name = "wenming.cluster"
    label = "cluster"
    verbose_name = "Cluster"
