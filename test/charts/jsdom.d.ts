// The few parts of jsdom the chart tests use, typed here: @types/jsdom needs the DOM lib, which
// this Node project leaves out.
declare module 'jsdom' {
  interface XmlElement {
    readonly tagName: string;
    readonly textContent: string | null;
  }
  interface XmlDocument {
    readonly documentElement: XmlElement;
    getElementsByTagName(name: string): ArrayLike<XmlElement> & Iterable<XmlElement>;
  }
  interface JsdomWindow {
    readonly DOMParser: new () => {
      parseFromString(text: string, type: 'image/svg+xml' | 'text/xml'): XmlDocument;
    };
  }
  export class JSDOM {
    constructor(html?: string);
    readonly window: JsdomWindow;
  }
}
