"""users, roles, village assignments, login throttling

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('device_villages',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('village_code', sa.String(length=20), nullable=False),
    sa.Column('assigned_by', sa.String(length=64), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_villages_device_id_devices')),
    sa.ForeignKeyConstraint(['village_code'], ['admin_units.code'], name=op.f('fk_device_villages_village_code_admin_units')),
    sa.PrimaryKeyConstraint('device_id', 'village_code', name=op.f('pk_device_villages'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    op.drop_table('device_villages')
