"""ledger rates and commendation

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('rate_vnd', sa.BigInteger(), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('set_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_unit_rates_commune_code_admin_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_rates'))
    )
    with op.batch_alter_table('unit_rates', schema=None) as batch_op:
        batch_op.create_index('ix_unit_rates_key', ['commune_code', 'kind', 'unit', 'valid_from'], unique=False)

    op.create_table('commendation_rules',
    sa.Column('commune_code', sa.String(length=20), nullable=False),
    sa.Column('min_land_m2', sa.Float(), nullable=True),
    sa.Column('min_labour_days', sa.Float(), nullable=True),
    sa.Column('min_value_vnd', sa.BigInteger(), nullable=True),
    sa.Column('top_per_village', sa.Integer(), nullable=True),
    sa.Column('approved_only', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['admin_units.code'], name=op.f('fk_commendation_rules_commune_code_admin_units')),
    sa.PrimaryKeyConstraint('commune_code', name=op.f('pk_commendation_rules'))
    )


def downgrade():
    op.drop_table('commendation_rules')
    with op.batch_alter_table('unit_rates', schema=None) as batch_op:
        batch_op.drop_index('ix_unit_rates_key')
    op.drop_table('unit_rates')
