export const zhCN = {
  app: { name: '春风直播带岗', tagline: '人社局长直播带岗 · 春风行动' },
  language: { label: '语言', zh: '中文', en: 'English' },
  state: {
    connecting: '正在连接…',
    live: '直播中',
    reconnecting: '网络不稳定，正在重新连接…',
    ended: '直播已结束',
    notLive: '直播尚未开始，请稍候',
    offline: '已断开连接',
    error: '出错了：{{message}}',
  },
  landing: {
    heading: '正在进行的直播',
    watch: '进入直播间',
    demoSession: '示范专场',
  },
  host: {
    title: '主播工作台',
    preview: '本地预览',
    goLive: '开始直播',
    starting: '正在开播…',
    live: '直播中',
    cameraError: '无法打开摄像头或麦克风：{{message}}',
    missingToken: '缺少主播凭证，请使用局方提供的主播链接进入。',
  },
  viewer: {
    title: '观看直播',
    stage: '直播画面',
    waiting: '正在等待画面…',
    tileLabel: '{{source}}画面',
  },
  source: { camera: '摄像头', microphone: '麦克风', screen: '屏幕共享' },
};

export type Messages = typeof zhCN;
