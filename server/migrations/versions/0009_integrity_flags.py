"""integrity flags

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('integrity_flags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('record_uuid', sa.String(length=36), nullable=True),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('reason_vi', sa.String(length=500), nullable=False),
    sa.Column('reason_en', sa.String(length=500), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('accepted_reason', sa.String(length=500), nullable=True),
    sa.Column('accepted_by', sa.String(length=64), nullable=True),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_integrity_flags_commune_code_admin_units')),
    sa.ForeignKeyConstraint(['record_uuid'], ['records.uuid'], name=op.f('fk_integrity_flags_record_uuid_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_flags')),
    sa.UniqueConstraint('key', name=op.f('uq_integrity_flags_key'))
    )
    with op.batch_alter_table('integrity_flags', schema=None) as batch_op:
        batch_op.create_index('ix_integrity_flags_commune_state', ['commune_code', 'state', 'kind'], unique=False)
        batch_op.create_index('ix_integrity_flags_household', ['household_id'], unique=False)
        batch_op.create_index('ix_integrity_flags_record', ['record_uuid'], unique=False)

    op.create_table('integrity_photo_uses',
    sa.Column('record_uuid', sa.String(length=36), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('document', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['record_uuid'], ['records.uuid'], name=op.f('fk_integrity_photo_uses_record_uuid_records')),
    sa.PrimaryKeyConstraint('record_uuid', 'sha256', name=op.f('pk_integrity_photo_uses'))
    )
    with op.batch_alter_table('integrity_photo_uses', schema=None) as batch_op:
        batch_op.create_index('ix_integrity_photo_uses_commune', ['commune_code'], unique=False)
        batch_op.create_index('ix_integrity_photo_uses_sha', ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('integrity_photo_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_integrity_photo_uses_sha')
        batch_op.drop_index('ix_integrity_photo_uses_commune')

    op.drop_table('integrity_photo_uses')
    with op.batch_alter_table('integrity_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_integrity_flags_record')
        batch_op.drop_index('ix_integrity_flags_household')
        batch_op.drop_index('ix_integrity_flags_commune_state')

    op.drop_table('integrity_flags')
