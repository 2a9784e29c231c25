"""The running bot: the builder (``builder``), scheduler jobs (``service``), the text grammar (``commands``),
command dispatch (``dispatch``) and the ``drillbot`` command line (``cli``)."""
