"""photo pipeline: photo metadata, thumbnails

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_meta',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('processed_at', sa.DateTime(), nullable=False),
    sa.Column('pipeline_version', sa.Integer(), nullable=False),
    sa.Column('error_code', sa.String(length=40), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('exif_taken_at', sa.DateTime(), nullable=True),
    sa.Column('exif_time_offset', sa.String(length=6), nullable=True),
    sa.Column('gps_lat', sa.Float(), nullable=True),
    sa.Column('gps_lon', sa.Float(), nullable=True),
    sa.Column('gps_accuracy_m', sa.Float(), nullable=True),
    sa.Column('phash', sa.String(length=16), nullable=True),
    sa.Column('dhash', sa.String(length=16), nullable=True),
    sa.Column('has_device_serial', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['photos.sha256'], name=op.f('fk_photo_meta_sha256_photos')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photo_meta'))
    )
    with op.batch_alter_table('photo_meta', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_meta_phash'), ['phash'], unique=False)


def downgrade():
    with op.batch_alter_table('photo_meta', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_meta_phash'))

    op.drop_table('photo_meta')
