"""indicators and criteria

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('household_check_facts',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('record_uuid', sa.String(length=36), nullable=True),
    sa.Column('captured_at', sa.DateTime(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_household_check_facts_commune_code_admin_units')),
    sa.PrimaryKeyConstraint('household_id', 'form_id', name=op.f('pk_household_check_facts'))
    )
    with op.batch_alter_table('household_check_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_check_facts_commune_code'), ['commune_code'], unique=False)


def downgrade():
    with op.batch_alter_table('household_check_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_check_facts_commune_code'))

    op.drop_table('household_check_facts')
