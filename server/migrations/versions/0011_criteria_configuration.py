"""criteria configuration and commune-level indicators

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('threshold_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.String(length=40), nullable=False),
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('province_code', sa.String(length=20), nullable=False),
    sa.Column('partition', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('legal_ref', sa.String(length=300), nullable=False),
    sa.Column('legal_date', sa.Date(), nullable=True),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threshold_overrides'))
    )
    with op.batch_alter_table('threshold_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_threshold_overrides_key', ['set_id', 'indicator_id', 'level', 'province_code', 'partition'], unique=True)

    op.create_table('commune_partitions',
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('set_id', sa.String(length=40), nullable=False),
    sa.Column('partition', sa.String(length=20), nullable=False),
    sa.Column('legal_ref', sa.String(length=300), nullable=False),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_commune_partitions_commune_code_admin_units')),
    sa.PrimaryKeyConstraint('commune_code', 'set_id', name=op.f('pk_commune_partitions'))
    )

    op.create_table('commune_indicator_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('set_id', sa.String(length=40), nullable=False),
    sa.Column('indicator_id', sa.String(length=64), nullable=False),
    sa.Column('value_bool', sa.Boolean(), nullable=True),
    sa.Column('part', sa.Float(), nullable=True),
    sa.Column('whole', sa.Float(), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('document_sha256', sa.String(length=64), nullable=False),
    sa.Column('document_type', sa.String(length=40), nullable=False),
    sa.Column('document_name', sa.String(length=200), nullable=False),
    sa.Column('document_size', sa.Integer(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_commune_indicator_entries_commune_code_admin_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commune_indicator_entries'))
    )
    with op.batch_alter_table('commune_indicator_entries', schema=None) as batch_op:
        batch_op.create_index('ix_commune_indicator_entries_current', ['commune_code', 'set_id', 'indicator_id', 'entered_at'], unique=False)

    op.create_table('period_holds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('record_uuid', sa.String(length=36), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('mutations', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('approved_data', sa.JSON(), nullable=True),
    sa.Column('approved_captured_at', sa.DateTime(), nullable=True),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('released_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['period_id'], ['reporting_periods.id'], name=op.f('fk_period_holds_period_id_reporting_periods')),
    sa.ForeignKeyConstraint(['record_uuid'], ['records.uuid'], name=op.f('fk_period_holds_record_uuid_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_holds'))
    )
    with op.batch_alter_table('period_holds', schema=None) as batch_op:
        batch_op.create_index('ix_period_holds_commune_open', ['commune_code', 'released_at'], unique=False)
        batch_op.create_index('ix_period_holds_record', ['record_uuid'], unique=False)


def downgrade():
    with op.batch_alter_table('period_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_period_holds_record')
        batch_op.drop_index('ix_period_holds_commune_open')
    op.drop_table('period_holds')
    with op.batch_alter_table('commune_indicator_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_commune_indicator_entries_current')
    op.drop_table('commune_indicator_entries')
    op.drop_table('commune_partitions')
    with op.batch_alter_table('threshold_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_threshold_overrides_key')
    op.drop_table('threshold_overrides')
