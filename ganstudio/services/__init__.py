"""Use cases shared by the GUI and the CLI, written once (Qt-free).

A command is argparse → service → print; a GUI controller or job is
widget → service → signal.  The checks both front ends need (a resumed run
is of the same variant, a bundled demo model is never rewritten, …) live
here, so the two cannot drift apart.
"""
