// The shop's API handler: answers with where orders go. Kept dependency-free so the asset is one
// small file and the function deploys the same on AWS and on moto_server.
exports.handler = async (event) => {
  const order = typeof event?.body === 'string' ? JSON.parse(event.body) : event;
  return {
    statusCode: 202,
    body: JSON.stringify({
      accepted: order?.id ?? null,
      queueUrl: process.env.QUEUE_URL,
      table: process.env.TABLE_NAME,
      environment: process.env.SHOP_ENVIRONMENT,
    }),
  };
};
