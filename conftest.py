import os

# Before Django reads its settings: a test run is neither the demo nor production.
os.environ.setdefault("WENMING_TESTING", "1")
