"""Phase I duties: phones and tags as tables, suppression, segments, imports, purchase
orders, stock moves, mailings and their per-recipient log.

Contacts' phones and tags move from JSON columns into their own tables; the data moves with
them (see _move_phones_and_tags).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:47:49.319479
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=500), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('invalid_rows', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_import_jobs_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_suppressions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('workspace_id', 'address', name=op.f('uq_suppressions_workspace_id_address'))
    )
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suppressions_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('contact_phones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('raw', sa.String(length=100), nullable=False),
    sa.Column('e164', sa.String(length=20), nullable=True),
    sa.Column('label', sa.String(length=50), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_phones_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_contact_phones_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_phones'))
    )
    with op.batch_alter_table('contact_phones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_phones_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_contact_phones_ws_e164', ['workspace_id', 'e164'], unique=False)

    op.create_table('contact_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_tags_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_contact_tags_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_tags')),
    sa.UniqueConstraint('contact_id', 'tag', name=op.f('uq_contact_tags_contact_id_tag'))
    )
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_tags_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_contact_tags_ws_tag', ['workspace_id', 'tag'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('reorder_key', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_purchase_orders_action_id_actions')),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_purchase_orders_vendor_id_vendors')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_purchase_orders_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('workspace_id', 'number', name=op.f('uq_purchase_orders_workspace_id_number')),
    sa.UniqueConstraint('workspace_id', 'reorder_key', name=op.f('uq_purchase_orders_workspace_id_reorder_key'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('filter', sa.JSON(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['mailing_lists.id'], name=op.f('fk_segments_list_id_mailing_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_segments_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_segments')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_segments_workspace_id_name'))
    )
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segments_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('per_second', sa.Numeric(precision=8, scale=2), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_mailings_action_id_actions')),
    sa.ForeignKeyConstraint(['list_id'], ['mailing_lists.id'], name=op.f('fk_mailings_list_id_mailing_lists')),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], name=op.f('fk_mailings_segment_id_segments')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_mailings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailings')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_mailings_workspace_id_name'))
    )
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailings_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('po_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_purchase_order_lines_item_id_items')),
    sa.ForeignKeyConstraint(['po_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_po_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_purchase_order_lines_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines'))
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_lines_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('stock_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('po_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_moves_item_id_items')),
    sa.ForeignKeyConstraint(['po_id'], ['purchase_orders.id'], name=op.f('fk_stock_moves_po_id_purchase_orders')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_stock_moves_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_moves'))
    )
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_moves_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('mailing_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mailing_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_mailing_recipients_contact_id_contacts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailings.id'], name=op.f('fk_mailing_recipients_mailing_id_mailings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_mailing_recipients_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailing_recipients')),
    sa.UniqueConstraint('mailing_id', 'address', name=op.f('uq_mailing_recipients_mailing_id_address'))
    )
    with op.batch_alter_table('mailing_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_mailing_recipients_status', ['mailing_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailing_recipients_workspace_id'), ['workspace_id'], unique=False)

    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=50), nullable=True))

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postal_address', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('attributes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    _move_phones_and_tags()
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('phones')
        batch_op.drop_column('tags')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_time_days', sa.Integer(), nullable=False,
                                      server_default='3'))

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('vendors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=50), nullable=True))

    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', sa.JSON(), nullable=True))



def _move_phones_and_tags() -> None:
    """Copy each contact's JSON phones and tags into contact_phones and contact_tags."""
    bind = op.get_bind()
    contacts = sa.table('contacts', sa.column('id', sa.Integer), sa.column('workspace_id', sa.Integer),
                        sa.column('phones', sa.JSON), sa.column('tags', sa.JSON))
    phones = sa.table('contact_phones', sa.column('workspace_id', sa.Integer),
                      sa.column('contact_id', sa.Integer), sa.column('raw', sa.String),
                      sa.column('e164', sa.String), sa.column('label', sa.String))
    tags = sa.table('contact_tags', sa.column('workspace_id', sa.Integer),
                    sa.column('contact_id', sa.Integer), sa.column('tag', sa.String))
    for row in bind.execute(sa.select(contacts)).mappings():
        for raw in (row['phones'] or {}).get('list', []):
            bind.execute(phones.insert().values(workspace_id=row['workspace_id'],
                                                contact_id=row['id'], raw=str(raw), e164=None,
                                                label=None))
        for tag in dict.fromkeys((row['tags'] or {}).get('list', [])):
            bind.execute(tags.insert().values(workspace_id=row['workspace_id'],
                                              contact_id=row['id'], tag=str(tag)))


def downgrade() -> None:

    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('profile')

    with op.batch_alter_table('vendors', schema=None) as batch_op:
        batch_op.drop_column('phone')
        batch_op.drop_column('contact_name')

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('consent_at')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('lead_time_days')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('phones', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('attributes')
        batch_op.drop_column('postal_address')

    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.drop_column('label')

    with op.batch_alter_table('mailing_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_recipients_workspace_id'))
        batch_op.drop_index('ix_mailing_recipients_status')

    op.drop_table('mailing_recipients')
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_moves_workspace_id'))

    op.drop_table('stock_moves')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_lines_workspace_id'))

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('mailings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailings_workspace_id'))

    op.drop_table('mailings')
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segments_workspace_id'))

    op.drop_table('segments')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_workspace_id'))

    op.drop_table('purchase_orders')
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_tags_ws_tag')
        batch_op.drop_index(batch_op.f('ix_contact_tags_workspace_id'))

    op.drop_table('contact_tags')
    with op.batch_alter_table('contact_phones', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_phones_ws_e164')
        batch_op.drop_index(batch_op.f('ix_contact_phones_workspace_id'))

    op.drop_table('contact_phones')
    with op.batch_alter_table('suppressions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suppressions_workspace_id'))

    op.drop_table('suppressions')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_workspace_id'))

    op.drop_table('import_jobs')

