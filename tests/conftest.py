"""Settings every test shares: fake AWS credentials and a region, so nothing can reach AWS."""

import functools
import os

import botocore.loaders
import botocore.session

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-2",
        "AWS_REGION": "us-east-2",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)


def _share_botocore_models() -> None:
    """One botocore loader for the whole test process.

    moto gives every test a fresh default boto3 session, and each session parsed every service
    model, endpoint rule set and partition file again: about half of an integration test's
    set-up. The files never change while the tests run; sharing the loader (its cache of parsed
    files) changes nothing else.
    """
    shared = functools.cache(botocore.loaders.create_loader)
    botocore.session.create_loader = shared


_share_botocore_models()
