"""DynamoDB: the leave requests and the approver directory, behind small interfaces."""
