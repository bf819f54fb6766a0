/** RPC methods the market itself answers (each rail names its own in rails/). */
export const BALANCE_METHOD = 'market.balance';
export const EVENTS_METHOD = 'market.events';
