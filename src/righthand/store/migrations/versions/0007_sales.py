"""Sales and briefing: pipelines and stages as data, deal contacts with roles, deal tags, the
deal activity timeline, reminders and follow-ups, briefing settings.

Existing deals keep everything: each workspace that has deals gets the residential pipeline
(or the B2B one, or a pipeline made from the stages its deals use), every deal's stage string
is mapped to a stage row, and the ``contacts`` JSON of each deal becomes deal_contacts rows.
The templates are copied here, frozen, so this migration means the same thing forever.

Its own branch from 0002 (feature-area heads).

Revision ID: 0007_sales
Revises: 0002
Create Date: 2026-11-27 00:30:00
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0007_sales'
down_revision = '0002'
branch_labels = None
depends_on = None

# (key, name, probability, stalled after days, outcome) -- frozen copies of the templates.
_RESIDENTIAL = [('lead', 'Lead', 5, 14, 'open'), ('showing', 'Showing', 10, 21, 'open'),
                ('offer', 'Offer', 25, 7, 'open'), ('under_contract', 'Under contract', 50, 7, 'open'),
                ('inspection', 'Inspection', 65, 10, 'open'), ('appraisal', 'Appraisal', 75, 14, 'open'),
                ('financing', 'Financing', 85, 21, 'open'), ('closing', 'Closing', 95, 7, 'open'),
                ('closed', 'Closed', 100, None, 'won')]
_B2B = [('lead', 'Lead', 10, 14, 'open'), ('qualified', 'Qualified', 20, 14, 'open'),
        ('meeting', 'Meeting', 35, 10, 'open'), ('proposal', 'Proposal', 50, 14, 'open'),
        ('negotiation', 'Negotiation', 75, 14, 'open'), ('won', 'Won', 100, None, 'won')]
_TEMPLATES = {'residential': ('Residential real estate', _RESIDENTIAL),
              'b2b': ('General B2B sales', _B2B)}
_PIPELINE_ALIASES = {'': 'residential', 'real_estate': 'residential', 'general': 'b2b',
                     'sales': 'b2b', 'default': 'residential'}
_STAGE_ALIASES = {'contract': 'under_contract', 'pending': 'under_contract', 'won': 'closed',
                  'closed_won': 'closed', 'showings': 'showing', 'finance': 'financing',
                  'mortgage': 'financing', 'new': 'lead'}


def _slug(text: str | None) -> str:
    return re.sub(r'[^a-z0-9]+', '_', (text or '').lower()).strip('_')[:100]


def upgrade() -> None:
    op.create_table('pipelines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_pipelines_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipelines')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_pipelines_workspace_id_key'))
    )
    with op.batch_alter_table('pipelines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pipelines_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('pipeline_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pipeline_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('stalled_after_days', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=8), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], name=op.f('fk_pipeline_stages_pipeline_id_pipelines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_pipeline_stages_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipeline_stages')),
    sa.UniqueConstraint('pipeline_id', 'key', name=op.f('uq_pipeline_stages_pipeline_id_key'))
    )
    with op.batch_alter_table('pipeline_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pipeline_stages_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('deal_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_deal_contacts_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_contacts_deal_id_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_deal_contacts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_contacts')),
    sa.UniqueConstraint('deal_id', 'contact_id', name=op.f('uq_deal_contacts_deal_id_contact_id'))
    )
    with op.batch_alter_table('deal_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_contacts_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_deal_contacts_ws_contact', ['workspace_id', 'contact_id'], unique=False)

    op.create_table('deal_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_tags_deal_id_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_deal_tags_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_tags')),
    sa.UniqueConstraint('deal_id', 'tag', name=op.f('uq_deal_tags_deal_id_tag'))
    )
    with op.batch_alter_table('deal_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_tags_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('deal_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('source_ref', sa.String(length=300), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('unlinked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_deal_activities_action_id_actions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_deal_activities_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_deal_activities_deal_id_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_deal_activities_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_activities')),
    sa.UniqueConstraint('deal_id', 'source', 'source_ref', name=op.f('uq_deal_activities_deal_id_source_source_ref'))
    )
    with op.batch_alter_table('deal_activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_activities_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_deal_activities_ws_deal_at', ['workspace_id', 'deal_id', 'at'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('has_time', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('source_ref', sa.String(length=300), nullable=True),
    sa.Column('dedupe_key', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_reminders_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_reminders_deal_id_deals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['reminders.id'], name=op.f('fk_reminders_parent_id_reminders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_reminders_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('workspace_id', 'dedupe_key', name=op.f('uq_reminders_workspace_id_dedupe_key'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_reminders_ws_status_due', ['workspace_id', 'status', 'due_at'], unique=False)

    op.create_table('briefing_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('send_at', sa.String(length=5), nullable=False),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('email_to', sa.String(length=320), nullable=True),
    sa.Column('weekly_day', sa.Integer(), nullable=False),
    sa.Column('sections_off', sa.JSON(), nullable=False),
    sa.Column('last_daily_on', sa.Date(), nullable=True),
    sa.Column('last_weekly_on', sa.Date(), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_briefing_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_settings')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_briefing_settings_workspace_id'))
    )
    with op.batch_alter_table('briefing_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_settings_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pipeline_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stage_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('probability', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('company', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('lost_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))

    _move_deals()

    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.alter_column('pipeline_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('stage_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_deals_ws_status', ['workspace_id', 'status'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_deals_workspace_id_external_id'), ['workspace_id', 'external_id'])
        batch_op.create_foreign_key(batch_op.f('fk_deals_pipeline_id_pipelines'), 'pipelines', ['pipeline_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_deals_stage_id_pipeline_stages'), 'pipeline_stages', ['stage_id'], ['id'])
        batch_op.drop_column('contacts')
        batch_op.drop_column('pipeline')
        batch_op.drop_column('stage')


def _tables() -> dict[str, sa.TableClause]:
    return {
        'deals': sa.table('deals', sa.column('id', sa.Integer), sa.column('workspace_id', sa.Integer),
                          sa.column('pipeline', sa.String), sa.column('stage', sa.String),
                          sa.column('contacts', sa.JSON), sa.column('pipeline_id', sa.Integer),
                          sa.column('stage_id', sa.Integer)),
        'pipelines': sa.table('pipelines', sa.column('id', sa.Integer),
                              sa.column('workspace_id', sa.Integer), sa.column('key', sa.String),
                              sa.column('name', sa.String), sa.column('template', sa.String),
                              sa.column('position', sa.Integer), sa.column('is_default', sa.Boolean),
                              sa.column('archived', sa.Boolean),
                              sa.column('created_at', sa.DateTime(timezone=True))),
        'stages': sa.table('pipeline_stages', sa.column('id', sa.Integer),
                           sa.column('workspace_id', sa.Integer), sa.column('pipeline_id', sa.Integer),
                           sa.column('key', sa.String), sa.column('name', sa.String),
                           sa.column('position', sa.Integer), sa.column('probability', sa.Integer),
                           sa.column('stalled_after_days', sa.Integer), sa.column('outcome', sa.String)),
        'deal_contacts': sa.table('deal_contacts', sa.column('workspace_id', sa.Integer),
                                  sa.column('deal_id', sa.Integer), sa.column('contact_id', sa.Integer),
                                  sa.column('role', sa.String)),
        'contacts': sa.table('contacts', sa.column('id', sa.Integer), sa.column('workspace_id', sa.Integer)),
    }


def _move_deals() -> None:
    """Give every workspace with deals its pipelines; map stage strings and contacts JSON."""
    bind = op.get_bind()
    t = _tables()
    now = datetime.now(UTC)
    if bind.dialect.name == 'sqlite':
        now = now.replace(tzinfo=None)
    deals = list(bind.execute(sa.select(t['deals']).order_by(t['deals'].c.id)).mappings())
    # (workspace, pipeline key) -> (pipeline id, {stage key: stage id}, next position)
    made: dict[tuple[int, str], tuple[int, dict[str, int], int]] = {}
    contacts: dict[int, set[int]] = {}

    def pipeline_for(ws: int, raw: str) -> tuple[str, tuple[int, dict[str, int], int]]:
        key = _slug(raw)
        key = _PIPELINE_ALIASES.get(key, key)
        if (ws, key) in made:
            return key, made[(ws, key)]
        name, stages = _TEMPLATES.get(key, (raw.strip() or key, []))
        first = not any(w == ws for w, _ in made)  # a workspace's first pipeline is its default
        pid = bind.execute(t['pipelines'].insert().values(
            workspace_id=ws, key=key, name=name, template=key if key in _TEMPLATES else None,
            position=sum(1 for w, _ in made if w == ws), is_default=first, archived=False,
            created_at=now).returning(t['pipelines'].c.id)).scalar_one()
        ids: dict[str, int] = {}
        for position, (skey, sname, prob, stalled, outcome) in enumerate(stages):
            ids[skey] = _insert_stage(bind, t, ws, pid, skey, sname, position, prob, stalled, outcome)
        made[(ws, key)] = (pid, ids, len(stages))
        return key, made[(ws, key)]

    for deal in deals:
        ws = deal['workspace_id']
        key, (pid, ids, position) = pipeline_for(ws, deal['pipeline'] or '')
        skey = _slug(deal['stage']) or 'lead'
        if key in _TEMPLATES:
            skey = _STAGE_ALIASES.get(skey, skey)
        if skey not in ids:
            # A stage the template does not have: keep it, as a stage of its own at the end.
            ids[skey] = _insert_stage(bind, t, ws, pid, skey, deal['stage'] or skey, position,
                                      50, None, 'open')
            made[(ws, key)] = (pid, ids, position + 1)
        bind.execute(t['deals'].update().where(t['deals'].c.id == deal['id'])
                     .values(pipeline_id=pid, stage_id=ids[skey]))
        if ws not in contacts:
            contacts[ws] = set(bind.execute(sa.select(t['contacts'].c.id)
                                            .where(t['contacts'].c.workspace_id == ws)).scalars())
        known = contacts[ws]
        seen: set[int] = set()
        for entry in (deal['contacts'] or {}).get('list', []):
            try:
                contact = int(entry.get('id'))
            except (TypeError, ValueError, AttributeError):
                continue
            if contact in known and contact not in seen:
                seen.add(contact)
                bind.execute(t['deal_contacts'].insert().values(
                    workspace_id=ws, deal_id=deal['id'], contact_id=contact,
                    role=str(entry.get('role') or '')[:50]))


def _insert_stage(bind: sa.Connection, t: dict[str, sa.TableClause], ws: int, pid: int,
                  key: str, name: str, position: int, probability: int, stalled: int | None,
                  outcome: str) -> int:
    return int(bind.execute(t['stages'].insert().values(
        workspace_id=ws, pipeline_id=pid, key=key, name=name[:200], position=position,
        probability=probability, stalled_after_days=stalled, outcome=outcome)
        .returning(t['stages'].c.id)).scalar_one())


def downgrade() -> None:
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('pipeline', sa.String(length=100), nullable=False, server_default='residential'))
        batch_op.add_column(sa.Column('contacts', sa.JSON(), nullable=False, server_default='{}'))
    _restore_deals()
    with op.batch_alter_table('deals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deals_stage_id_pipeline_stages'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_deals_pipeline_id_pipelines'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_deals_workspace_id_external_id'), type_='unique')
        batch_op.drop_index('ix_deals_ws_status')
        for column in ('updated_at', 'created_at', 'external_id', 'closed_at', 'lost_reason',
                       'owner', 'company', 'probability', 'stage_id', 'pipeline_id'):
            batch_op.drop_column(column)

    for table, indexes in (('briefing_settings', [op.f('ix_briefing_settings_workspace_id')]),
                           ('reminders', ['ix_reminders_ws_status_due', op.f('ix_reminders_workspace_id')]),
                           ('deal_activities', ['ix_deal_activities_ws_deal_at', op.f('ix_deal_activities_workspace_id')]),
                           ('deal_tags', [op.f('ix_deal_tags_workspace_id')]),
                           ('deal_contacts', ['ix_deal_contacts_ws_contact', op.f('ix_deal_contacts_workspace_id')]),
                           ('pipeline_stages', [op.f('ix_pipeline_stages_workspace_id')]),
                           ('pipelines', [op.f('ix_pipelines_workspace_id')])):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)


def _restore_deals() -> None:
    """Write each deal's pipeline and stage keys and its contacts back into the old columns."""
    bind = op.get_bind()
    deals = sa.table('deals', sa.column('id', sa.Integer), sa.column('pipeline_id', sa.Integer),
                     sa.column('stage_id', sa.Integer), sa.column('pipeline', sa.String),
                     sa.column('stage', sa.String), sa.column('contacts', sa.JSON))
    pipelines = sa.table('pipelines', sa.column('id', sa.Integer), sa.column('key', sa.String))
    stages = sa.table('pipeline_stages', sa.column('id', sa.Integer), sa.column('key', sa.String))
    links = sa.table('deal_contacts', sa.column('deal_id', sa.Integer),
                     sa.column('contact_id', sa.Integer), sa.column('role', sa.String))
    pkeys = {i: k for i, k in bind.execute(sa.select(pipelines.c.id, pipelines.c.key))}
    skeys = {i: k for i, k in bind.execute(sa.select(stages.c.id, stages.c.key))}
    people: dict[int, list[dict[str, object]]] = {}
    for deal_id, contact_id, role in bind.execute(sa.select(links.c.deal_id, links.c.contact_id,
                                                            links.c.role).order_by(links.c.deal_id)):
        people.setdefault(deal_id, []).append({'id': contact_id, 'role': role})
    for deal_id, pipeline_id, stage_id in bind.execute(
            sa.select(deals.c.id, deals.c.pipeline_id, deals.c.stage_id)).all():
        bind.execute(deals.update().where(deals.c.id == deal_id).values(
            pipeline=pkeys.get(pipeline_id, 'residential'), stage=skeys.get(stage_id, ''),
            contacts={'list': people.get(deal_id, [])}))
