"""review and audit log

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('area_code', sa.String(length=20), nullable=True),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_area_at', ['area_code', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)

    op.create_table('review_decisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_uuid', sa.String(length=36), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_uuid'], ['records.uuid'], name=op.f('fk_review_decisions_record_uuid_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decisions'))
    )
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_review_decisions_record', ['record_uuid', 'at'], unique=False)

    op.create_table('record_comments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_uuid', sa.String(length=36), nullable=False),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_uuid'], ['records.uuid'], name=op.f('fk_record_comments_record_uuid_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_comments'))
    )
    with op.batch_alter_table('record_comments', schema=None) as batch_op:
        batch_op.create_index('ix_record_comments_record', ['record_uuid', 'at'], unique=False)

    op.create_table('reporting_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_reporting_periods_commune_code_admin_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_periods'))
    )
    with op.batch_alter_table('reporting_periods', schema=None) as batch_op:
        batch_op.create_index('ix_reporting_periods_commune', ['commune_code', 'starts_on'], unique=False)


def downgrade():
    op.drop_table('reporting_periods')
    op.drop_table('record_comments')
    op.drop_table('review_decisions')
    op.drop_table('audit_events')
