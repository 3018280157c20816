"""Fleetvisor benchmark harness (bench/run.py): supervisord 4.2.5 and
fleetvisord side by side, against limits measured on the same machine."""
