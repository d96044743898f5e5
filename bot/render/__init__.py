"""Rendering: tables, workbooks and charts built from plain values."""
