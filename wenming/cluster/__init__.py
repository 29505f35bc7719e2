"""The cluster on one machine (docs/scaling.md): ``from wenming.cluster import Cluster``."""

from .core import Cluster, ClusterError

__all__ = ["Cluster", "ClusterError"]
