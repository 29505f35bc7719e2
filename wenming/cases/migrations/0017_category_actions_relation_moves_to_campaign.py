"""Category.actions becomes campaign's Action.categories (its reverse keeps the name ``actions``).

State only: the table ``cases_category_actions`` and its rows stay as they are; campaign's migration 0005 declares
the same table from its side.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0016_events_keep_their_actor_protect'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name='category', name='actions')],
            database_operations=[],
        ),
    ]
