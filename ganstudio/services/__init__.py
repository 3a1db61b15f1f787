"""Use cases shared by the GUI and the CLI, written once (Qt-free).

A command is argparse → service → print; a GUI controller or job is
widget → service → signal.  The checks both front ends need (a resumed run
is of the same variant, a bundled demo model is never rewritten, a model-less
action gets no model, …) live here, so the two cannot drift apart.  Long
work is a job generator that takes the job's
:class:`~ganstudio.core.jobs.StopSignal` (``request_stop`` keeps, ``cancel``
discards).

``actions``     run an action: ActionRequest → frozen ActionRun (model, params,
                inputs, stop, provenance, upscale factor, resampled layers)
``directions``  fit attribute directions into a model, list them
``importing``   import a model file (into the models folder, or to ``-o``)
``training``    start or resume a training run (prepare_training)
``batch``       map an action over a folder (prepare_batch)
``models``      the model cache and the guarded model-file rewrite
"""
