import pytest

from wenming.org.services.demo import demo_city_build

TEST_GRIDS = 240
TEST_SEED = 7


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """One small demo city for the whole session; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        demo_city_build(grids=TEST_GRIDS, seed=TEST_SEED)


@pytest.fixture(autouse=True)
def _fresh_spatial_index():
    from wenming.org.spatial import reset_index

    reset_index()
    yield
    reset_index()
