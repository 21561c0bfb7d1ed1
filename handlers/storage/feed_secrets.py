"""Each person's calendar feed secret in the leave table (see table_schema.py).

Two items per feed: the person's, holding the current secret and its hash, and the secret's,
keyed by that hash and naming its owner, so a feed's URL is found with one read by key.
Creating and replacing a secret write both (and delete the old secret's item) in one
transaction, conditioned on the person's item being as it was read: of racing writes one wins,
the others answer with its secret, and no secret is ever left opening a feed it no longer names.
"""

from typing import Any, Protocol

from botocore.exceptions import ClientError

from handlers.aws_clients import aws_client
from handlers.domain.feed_token import could_be_feed_secret, feed_secret_hash
from handlers.storage.items import from_item, to_item
from handlers.storage.table_schema import feed_of_key, feed_secret_key


class FeedSecrets(Protocol):
    def secret_of(self, owner_email: str) -> str | None: ...

    def replace(self, owner_email: str, current: str | None, new: str) -> str: ...

    def owner_of(self, secret: str) -> str | None: ...


def _lost_to_a_condition(error: ClientError) -> bool:
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return False
    reasons = error.response.get("CancellationReasons") or []
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


class DynamoDbFeedSecrets:
    def __init__(self, table_name: str, client: Any = None) -> None:
        self._table = table_name
        self._client = client or aws_client("dynamodb")

    def secret_of(self, owner_email: str) -> str | None:
        item = self._client.get_item(
            TableName=self._table, Key=to_item(feed_of_key(owner_email)), ConsistentRead=True
        ).get("Item")
        secret = from_item(item).get("feed_secret") if item else None
        return secret if isinstance(secret, str) else None

    def replace(self, owner_email: str, current: str | None, new: str) -> str:
        """Make `new` the person's secret in place of `current` (None: they had none), and
        return the secret they now have: `new`, or the one a racing write stored first."""
        new_hash = feed_secret_hash(new)
        owner_item: dict[str, Any] = {
            "Item": to_item(
                {**feed_of_key(owner_email), "feed_secret": new, "feed_secret_hash": new_hash}
            ),
            "TableName": self._table,
        }
        if current is None:
            owner_item["ConditionExpression"] = "attribute_not_exists(feed_secret_hash)"
        else:
            owner_item["ConditionExpression"] = "feed_secret_hash = :current"
            owner_item["ExpressionAttributeValues"] = to_item(
                {":current": feed_secret_hash(current)}
            )
        writes: list[dict[str, Any]] = [
            {"Put": owner_item},
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(
                        {**feed_secret_key(new_hash), "feed_owner": owner_email.lower()}
                    ),
                    "ConditionExpression": "attribute_not_exists(feed_owner)",
                }
            },
        ]
        if current is not None:
            writes.append(
                {
                    "Delete": {
                        "TableName": self._table,
                        "Key": to_item(feed_secret_key(feed_secret_hash(current))),
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if not _lost_to_a_condition(error):
                raise
            stored = self.secret_of(owner_email)
            if stored is None:
                # Lost to a write that is gone again (its items deleted by hand): busy, retry.
                raise
            return stored
        return new

    def owner_of(self, secret: str) -> str | None:
        """Whose feed `secret` opens, if any."""
        if not could_be_feed_secret(secret):
            return None
        item = self._client.get_item(
            TableName=self._table,
            Key=to_item(feed_secret_key(feed_secret_hash(secret))),
            ConsistentRead=True,
        ).get("Item")
        owner = from_item(item).get("feed_owner") if item else None
        return owner if isinstance(owner, str) else None
