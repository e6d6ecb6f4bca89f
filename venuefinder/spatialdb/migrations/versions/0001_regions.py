"""The regions schema: regions, their tiles, and per tile venues, places, basemap and the
walking graph (nodes, edges, spot heights), each geometry with a GiST index.

Revision ID: 0001
Revises:
Create Date: 2026-12-05

Written out here rather than built from ``models``: a migration is a snapshot of the
schema at its revision (a test checks head matches the models).
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # PostGIS is in template1 on a well set-up server; db.upgrade installs it or says why
    # it cannot before this runs.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        'geo_regions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('manifest', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('geometry', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_geo_regions')),
        sa.UniqueConstraint('name', name=op.f('uq_geo_regions_name'))
    )
    op.create_index('ix_geo_regions_geometry', 'geo_regions', ['geometry'], unique=False, postgresql_using='gist')
    op.create_table(
        'geo_tiles',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('owned', postgresql.ARRAY(sa.Double()), nullable=False),
        sa.Column('read', postgresql.ARRAY(sa.Double()), nullable=False),
        sa.Column('crs', sa.Text(), nullable=True),
        sa.Column('venues', sa.Integer(), nullable=False),
        sa.Column('venue_bounds', postgresql.ARRAY(sa.Double()), nullable=True),
        sa.Column('geometry', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False), nullable=False),
        sa.Column('venues_schema', sa.LargeBinary(), nullable=False),
        sa.Column('places_schema', sa.LargeBinary(), nullable=False),
        sa.Column('basemap_schema', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['region_id'], ['geo_regions.id'], name=op.f('fk_geo_tiles_geo_regions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', name=op.f('pk_geo_tiles'))
    )
    op.create_index('ix_geo_tiles_geometry', 'geo_tiles', ['geometry'], unique=False, postgresql_using='gist')
    op.create_index('ix_geo_tiles_region_id_seq', 'geo_tiles', ['region_id', 'seq'], unique=True)
    op.create_table(
        'geo_basemap',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('layer', sa.Text(), nullable=True),
        sa.Column('geometry', Geometry(srid=4326, dimension=2, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_tiles.region_id', 'geo_tiles.tile_id'], name=op.f('fk_geo_basemap_geo_tiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', 'seq', name=op.f('pk_geo_basemap'))
    )
    op.create_index('ix_geo_basemap_geometry', 'geo_basemap', ['geometry'], unique=False, postgresql_using='gist')
    op.create_table(
        'geo_graphs',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('crs', sa.Text(), nullable=False),
        sa.Column('srid', sa.Integer(), nullable=False),
        sa.Column('info', sa.Text(), nullable=False),
        sa.Column('nodes_schema', sa.LargeBinary(), nullable=False),
        sa.Column('edges_schema', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_tiles.region_id', 'geo_tiles.tile_id'], name=op.f('fk_geo_graphs_geo_tiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', name=op.f('pk_geo_graphs'))
    )
    op.create_table(
        'geo_places',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=True),
        sa.Column('kind', sa.Text(), nullable=True),
        sa.Column('lat', sa.Double(), nullable=True),
        sa.Column('lon', sa.Double(), nullable=True),
        sa.Column('geometry', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_tiles.region_id', 'geo_tiles.tile_id'], name=op.f('fk_geo_places_geo_tiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', 'seq', name=op.f('pk_geo_places'))
    )
    op.create_index('ix_geo_places_geometry', 'geo_places', ['geometry'], unique=False, postgresql_using='gist')
    op.create_table(
        'geo_venues',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('id', sa.Text(), nullable=False),
        sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('geometry', Geometry(srid=4326, dimension=2, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_tiles.region_id', 'geo_tiles.tile_id'], name=op.f('fk_geo_venues_geo_tiles'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'id', name=op.f('pk_geo_venues'))
    )
    op.create_index('ix_geo_venues_geometry', 'geo_venues', ['geometry'], unique=False, postgresql_using='gist')
    op.create_index('ix_geo_venues_region_id_tile_id_seq', 'geo_venues', ['region_id', 'tile_id', 'seq'], unique=True)
    op.create_table(
        'geo_edges',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('u', sa.BigInteger(), nullable=True),
        sa.Column('v', sa.BigInteger(), nullable=True),
        sa.Column('way_id', sa.BigInteger(), nullable=True),
        sa.Column('kind', sa.Text(), nullable=True),
        sa.Column('highway', sa.Text(), nullable=True),
        sa.Column('name', sa.Text(), nullable=True),
        sa.Column('surface', sa.Text(), nullable=True),
        sa.Column('smoothness', sa.Text(), nullable=True),
        sa.Column('lit', sa.Text(), nullable=True),
        sa.Column('footway', sa.Text(), nullable=True),
        sa.Column('width_m', sa.Double(), nullable=True),
        sa.Column('loop_ok', sa.Boolean(), nullable=True),
        sa.Column('walk_ok', sa.Boolean(), nullable=True),
        sa.Column('road_class', sa.Text(), nullable=True),
        sa.Column('street', sa.Text(), nullable=True),
        sa.Column('length_m', sa.Double(), nullable=True),
        sa.Column('surface_score', sa.Double(), nullable=True),
        sa.Column('grade_pct', sa.Double(), nullable=True),
        sa.Column('max_grade_pct', sa.Double(), nullable=True),
        sa.Column('min_grade_pct', sa.Double(), nullable=True),
        sa.Column('busy_share', sa.Double(), nullable=True),
        sa.Column('road_share', sa.Double(), nullable=True),
        sa.Column('near_road', sa.Text(), nullable=True),
        sa.Column('near_road_class', sa.Text(), nullable=True),
        sa.Column('heights', postgresql.ARRAY(sa.REAL()), nullable=False),
        sa.Column('geometry', Geometry(geometry_type='LINESTRING', dimension=2, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_graphs.region_id', 'geo_graphs.tile_id'], name=op.f('fk_geo_edges_geo_graphs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', 'seq', name=op.f('pk_geo_edges'))
    )
    op.create_index('ix_geo_edges_geometry', 'geo_edges', ['geometry'], unique=False, postgresql_using='gist')
    op.create_table(
        'geo_nodes',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('osm_id', sa.BigInteger(), nullable=True),
        sa.Column('x', sa.Double(), nullable=True),
        sa.Column('y', sa.Double(), nullable=True),
        sa.Column('lon', sa.Double(), nullable=True),
        sa.Column('lat', sa.Double(), nullable=True),
        sa.Column('crossing_class', sa.Text(), nullable=True),
        sa.Column('crossing_name', sa.Text(), nullable=True),
        sa.Column('signalled', sa.Boolean(), nullable=True),
        sa.Column('geometry', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_graphs.region_id', 'geo_graphs.tile_id'], name=op.f('fk_geo_nodes_geo_graphs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', 'seq', name=op.f('pk_geo_nodes'))
    )
    op.create_index('ix_geo_nodes_geometry', 'geo_nodes', ['geometry'], unique=False, postgresql_using='gist')
    op.create_table(
        'geo_spot_heights',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('tile_id', sa.Text(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('geometry', Geometry(geometry_type='POINTZ', dimension=3, spatial_index=False), nullable=False),
        sa.ForeignKeyConstraint(['region_id', 'tile_id'], ['geo_graphs.region_id', 'geo_graphs.tile_id'], name=op.f('fk_geo_spot_heights_geo_graphs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('region_id', 'tile_id', 'seq', name=op.f('pk_geo_spot_heights'))
    )
    op.create_index('ix_geo_spot_heights_geometry', 'geo_spot_heights', ['geometry'], unique=False, postgresql_using='gist')


def downgrade() -> None:
    op.drop_index('ix_geo_spot_heights_geometry', table_name='geo_spot_heights', postgresql_using='gist')
    op.drop_table('geo_spot_heights')
    op.drop_index('ix_geo_nodes_geometry', table_name='geo_nodes', postgresql_using='gist')
    op.drop_table('geo_nodes')
    op.drop_index('ix_geo_edges_geometry', table_name='geo_edges', postgresql_using='gist')
    op.drop_table('geo_edges')
    op.drop_index('ix_geo_venues_region_id_tile_id_seq', table_name='geo_venues')
    op.drop_index('ix_geo_venues_geometry', table_name='geo_venues', postgresql_using='gist')
    op.drop_table('geo_venues')
    op.drop_index('ix_geo_places_geometry', table_name='geo_places', postgresql_using='gist')
    op.drop_table('geo_places')
    op.drop_table('geo_graphs')
    op.drop_index('ix_geo_basemap_geometry', table_name='geo_basemap', postgresql_using='gist')
    op.drop_table('geo_basemap')
    op.drop_index('ix_geo_tiles_region_id_seq', table_name='geo_tiles')
    op.drop_index('ix_geo_tiles_geometry', table_name='geo_tiles', postgresql_using='gist')
    op.drop_table('geo_tiles')
    op.drop_index('ix_geo_regions_geometry', table_name='geo_regions', postgresql_using='gist')
    op.drop_table('geo_regions')
