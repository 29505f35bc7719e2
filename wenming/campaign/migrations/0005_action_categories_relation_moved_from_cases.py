"""Action.categories: the category↔action links, declared here now instead of on cases' Category.

State only: the relation keeps the table it had (``cases_category_actions``, columns ``category_id`` and
``action_id``, which are also the names this side's relation gives them), so no link is lost.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('campaign', '0004_progress_evidence_names_hold_their_random_part'),
        ('cases', '0017_category_actions_relation_moves_to_campaign'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='action',
                    name='categories',
                    field=models.ManyToManyField(blank=True, db_table='cases_category_actions', related_name='actions',
                                                 to='cases.category', verbose_name='categories'),
                ),
            ],
            database_operations=[],
        ),
    ]
