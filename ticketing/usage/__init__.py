"""Travel records: the validated taps of passes and pay-as-you-go accounts that tariffs and
clearing read.
"""
