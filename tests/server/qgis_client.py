"""Debian's QGIS (python3-qgis, QGIS 3.22 on Debian 12) as a user runs it, driven headless: run by
`test_qgis.py` with /usr/bin/python3 and QT_QPA_PLATFORM=offscreen (QGIS installs into the system
Python, not the project's venv). Reads a JSON job on stdin, prints a JSON report on stdout.

Job: {"url", "username", "token", "collections": [...], "bbox": [minx, miny, maxx, maxy],
"subsets": {collection: [QGIS filter expression, ...]}, "files": [paths], "image": path,
"auth_dir": folder for QGIS's authentication database}.

Report: per collection whether the layer is valid, its feature count (from the provider and by
iterating every feature), its geometry type, the count inside bbox, the count under each subset
string; per file whether it opened, its count, geometry type, title/abstract and every warning
QGIS or GDAL logged while opening it; the map image's size and how many pixels are not background;
QGIS's and GDAL's versions. Signs in with a stock Basic authentication configuration (QgsAuthManager):
account name and API token, the way docs/gis-clients.md tells a user to.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    job = json.load(sys.stdin)
    os.environ.setdefault("QGIS_AUTH_DB_DIR_PATH", job["auth_dir"])
    os.environ.setdefault("QGIS_CUSTOM_CONFIG_PATH", job["auth_dir"])

    from osgeo import gdal
    from qgis.core import (
        Qgis,
        QgsApplication,
        QgsAuthMethodConfig,
        QgsDataSourceUri,
        QgsFeatureRequest,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsMessageLog,
        QgsRectangle,
        QgsVectorLayer,
        QgsWkbTypes,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    app = QgsApplication([], False)
    app.initQgis()
    messages: list[tuple[str, str, int]] = []

    def logged(message: str, tag: str, level: int) -> None:
        messages.append((tag, message, int(level)))

    QgsApplication.messageLog().messageReceived.connect(logged)
    QgsMessageLog.logMessage("log capture works", "landrelease-test", Qgis.Warning)

    auth = QgsApplication.authManager()
    auth.setMasterPassword("landrelease-test-master", True)
    cfg = QgsAuthMethodConfig()
    cfg.setName("landrelease")
    cfg.setMethod("Basic")
    cfg.setConfig("username", job["username"])
    cfg.setConfig("password", job["token"])
    auth.storeAuthenticationConfig(cfg)
    report: dict = {
        "qgis": Qgis.QGIS_VERSION,
        "gdal": gdal.__version__,
        "auth_config": bool(cfg.id()),
        "log_capture": any(t == "landrelease-test" for t, _, _ in messages),
        "collections": {},
        "files": {},
    }

    def oapif(collection: str) -> QgsVectorLayer:
        uri = QgsDataSourceUri()
        uri.setParam("url", job["url"])
        uri.setParam("typename", collection)
        uri.setAuthConfigId(cfg.id())
        return QgsVectorLayer(uri.uri(False), collection, "OAPIF")

    layers = []
    for cid in job["collections"]:
        layer = oapif(cid)
        out: dict = {"valid": layer.isValid()}
        if layer.isValid():
            out["feature_count"] = layer.featureCount()
            out["iterated"] = sum(1 for _ in layer.getFeatures())
            out["geometry"] = QgsWkbTypes.displayString(layer.wkbType())
            out["fields"] = [f.name() for f in layer.fields()]
            e = layer.extent()
            out["extent"] = [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()]
            minx, miny, maxx, maxy = job["bbox"]
            req = QgsFeatureRequest().setFilterRect(QgsRectangle(minx, miny, maxx, maxy))
            out["in_bbox"] = sorted(f["code"] for f in layer.getFeatures(req))
            out["subsets"] = {}
            for expression in job["subsets"].get(cid, []):
                filtered = oapif(cid)
                filtered.setSubsetString(expression)
                out["subsets"][expression] = sorted(f["code"] for f in filtered.getFeatures())
            layers.append(layer)
        report["collections"][cid] = out

    for path in job["files"]:
        before = len(messages)
        layer = QgsVectorLayer(path, os.path.basename(path), "ogr")
        out = {"valid": layer.isValid()}
        if layer.isValid():
            out["feature_count"] = layer.featureCount()
            out["iterated"] = sum(1 for _ in layer.getFeatures())
            out["geometry"] = QgsWkbTypes.displayString(layer.wkbType())
            out["types"] = {f.name(): f.typeName() for f in layer.fields()}
        gdal_messages: list[str] = []
        gdal.PushErrorHandler(lambda cls, no, msg, into=gdal_messages: into.append(msg))
        try:
            ds = gdal.OpenEx(path, gdal.OF_VECTOR)
            if ds is not None:
                lyr = ds.GetLayer(0)
                out["gdal_metadata"] = lyr.GetMetadata() or {}
                out["gdal_geometry"] = lyr.GetGeomType()
            ds = None
        finally:
            gdal.PopErrorHandler()
        out["warnings"] = [f"{t}: {m}" for t, m, lvl in messages[before:] if lvl >= int(Qgis.Warning)]
        out["warnings"] += [f"GDAL {gdal.__version__}: {m}" for m in gdal_messages]
        report["files"][path] = out

    if layers:
        settings = QgsMapSettings()
        settings.setLayers(layers)
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(800, 600))
        extent = QgsRectangle()
        for layer in layers:
            extent.combineExtentWith(layer.extent())
        settings.setExtent(extent)
        render = QgsMapRendererSequentialJob(settings)
        render.start()
        render.waitForFinished()
        image = render.renderedImage()
        image.save(job["image"], "PNG")
        inked = 0
        for y in range(0, image.height(), 2):
            for x in range(0, image.width(), 2):
                if image.pixel(x, y) & 0xFFFFFF != 0xFFFFFF:
                    inked += 1
        report["image"] = {"path": job["image"], "width": image.width(), "height": image.height(), "inked": inked}
    print(json.dumps(report), flush=True)
    # QGIS 3.22's Python bindings can crash while tearing down providers at exit (a known wart of
    # headless scripts): the report is out, so leave without the teardown.
    os._exit(0)


if __name__ == "__main__":
    main()
