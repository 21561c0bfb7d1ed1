"""Which notices of a request went out: a note on the request, under a key of the notice, that
a retried step reads before sending it again.

A notice goes out inside a step (a workflow's follow-up or outcome, the settler's hand-over)
that runs again whole when it fails after its side effect. The step sends, then notes; a
retry that finds the note sends nothing. Only a crash between the two sends it twice (emails
are at least once, never lost). The note changes nothing else and may be written whatever the
request's status.
"""

from botocore.exceptions import ClientError

from handlers.storage.items import to_item
from handlers.storage.request_reads import RequestReads
from handlers.storage.table_schema import request_key


class SentNotices(RequestReads):
    def mark_notice_sent(self, request_id: str, key: str) -> None:
        """Note that the notice `key` of the request went out (again: a no-op; a request
        that is gone has nothing to note)."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="ADD notices_sent :key",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_item({":key": {key}}),
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
