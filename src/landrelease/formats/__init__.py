"""File I/O adapters: vector files (GeoJSON, GeoPackage, Shapefile, KML, CSV, FlatGeobuf) through
pyogrio, mapping files for other systems' exports, and the bridge to the record model."""

from landrelease.formats.layer import Layer, read_layer, write_layer
from landrelease.formats.mapping import Mapping, load_mapping
from landrelease.formats.records import RecordErrors, batch_to_columns, layer_to_batch

__all__ = [
    "Layer",
    "Mapping",
    "RecordErrors",
    "batch_to_columns",
    "layer_to_batch",
    "load_mapping",
    "read_layer",
    "write_layer",
]
