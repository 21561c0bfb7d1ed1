"""pulumi_aws warns about a deprecated resource this program never uses, when it loads the
module lazily in the middle of a test: load it here, quietly."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import pulumi_aws.lambda_.microvms_image  # noqa: F401
